// The operations this example types. tests/core/test_frontend_example.py runs each of them against
// the server, so they stay valid against schema.graphql and answer with data.
import { graphql } from "./gql";

// The lead inspector's dashboard: one request for the whole first screen.
export const Dashboard = graphql(`
  query Dashboard($inspectionId: ID!) {
    viewer {
      role
      inspector { name }
    }
    inspection(id: $inspectionId) {
      id
      reference
      notificationDate
      framework { code title }
      area { name }
      team { isLead inspector { name inspectorate { shortName } } }
      timetable { deadlines { kind reference title dueAt } }
      overdue: requests(status: OVERDUE, first: 10) {
        totalCount
        nodes { id reference title dueAt agency { name } }
      }
      outstanding: requests(status: OUTSTANDING, first: 10) { totalCount }
      received: requests(status: RECEIVED, first: 10) { totalCount }
      listUploads { listCode filename rowCount current querySummary { queryCount } }
      selectionComplete
      trackingComplete
      selectedChildren { tracked missingExtraFields }
      evidenceCoverage {
        evidenceCount
        criteriaWithoutEvidence { code title }
      }
      findings { id kind status title awaitingAgreementFrom { shortName } }
      report { status publishedAt htmlPath }
    }
  }
`);

// A form rendered from data: its questions, their kinds and choices.
export const EvidenceForms = graphql(`
  query EvidenceForms($framework: String!, $inspectorate: String) {
    framework(code: $framework) {
      evidenceForms(inspectorate: $inspectorate) {
        code
        title
        description
        subject
        graphqlTypeName
        inspectorate { code shortName }
        questions {
          code
          fieldName
          text
          kind
          required
          help
          choices { code label }
          criteria { code title }
        }
      }
    }
  }
`);

// The tracker: the inspection's requests, filtered by status, page by page.
export const Tracker = graphql(`
  query Tracker($inspectionId: ID!, $status: RequestStatus, $after: String) {
    inspection(id: $inspectionId) {
      requests(status: $status, first: 50, after: $after) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          reference
          title
          status
          dueAt
          receivedAt
          agency { name kind }
          owner { shortName }
          documents { filename sizeBytes uploadedAt }
        }
      }
    }
  }
`);

// An agency user's own requests across its area's inspections.
export const MyRequests = graphql(`
  query MyRequests($after: String) {
    viewer { role }
    myRequests(first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      nodes {
        id
        reference
        title
        status
        dueAt
        receivedAt
        childLocalId
        listSpec { code title }
        inspection { reference }
      }
    }
  }
`);
