// What a UI does with the generated types: every field typed, every enum checked exhaustively.
import { execute } from "./client";
import type { QuestionKind, RequestStatus, TrackerQuery } from "./gql/graphql";
import { Dashboard, EvidenceForms, MyRequests, Tracker } from "./operations";

const API = "http://127.0.0.1:8000/graphql";

// One input per kind of question; a new kind in the schema fails this switch at compile time.
export function inputFor(kind: QuestionKind): string {
  switch (kind) {
    case "TEXT":
    case "SUMMARY":
      return "textarea";
    case "YES_NO":
      return "checkbox";
    case "CHOICE":
      return "select";
    case "MULTI_CHOICE":
      return "select multiple";
    case "INTEGER":
      return "input type=number";
    case "DATE":
      return "input type=date";
    default: {
      const unknown: never = kind;
      throw new Error(`no input for ${String(unknown)}`);
    }
  }
}

export function badge(status: RequestStatus): string {
  const labels: Record<RequestStatus, string> = {
    OUTSTANDING: "due",
    OVERDUE: "overdue",
    RECEIVED: "received",
    RECEIVED_LATE: "received late",
    CANCELLED: "cancelled",
  };
  return labels[status];
}

export async function dashboard(token: string, inspectionId: string): Promise<string[]> {
  const { inspection } = await execute(API, token, Dashboard, { inspectionId });
  if (inspection == null) {
    return ["No inspection you may see has that id."];
  }
  const lead = inspection.team.find((member) => member.isLead)?.inspector.name ?? "(no lead)";
  const lines = [
    `${inspection.reference}: ${inspection.area.name}, led by ${lead}`,
    `${inspection.overdue.totalCount} requests overdue, ${inspection.outstanding.totalCount} due`,
  ];
  for (const request of inspection.overdue.nodes) {
    lines.push(`  ${request.reference} ${request.title} (${request.agency?.name ?? "?"})`);
  }
  const coverage = inspection.evidenceCoverage;
  if (coverage != null) {
    lines.push(`${coverage.criteriaWithoutEvidence.length} criteria without evidence`);
  }
  for (const finding of inspection.findings) {
    const waiting = finding.awaitingAgreementFrom.map((i) => i.shortName).join(", ");
    lines.push(`${finding.kind} ${finding.status}: ${finding.title} ${waiting}`);
  }
  return lines;
}

export async function formFields(token: string, framework: string): Promise<string[]> {
  const { framework: found } = await execute(API, token, EvidenceForms, {
    framework,
    inspectorate: "ofsted",
  });
  return (found?.evidenceForms ?? []).flatMap((form) =>
    form.questions.map(
      (q) => `${form.graphqlTypeName}.${q.fieldName}: ${inputFor(q.kind)}${q.required ? " *" : ""}`,
    ),
  );
}

export async function tracker(token: string, inspectionId: string): Promise<string[]> {
  const lines: string[] = [];
  let after: string | null = null;
  for (;;) {
    const result: TrackerQuery = await execute(API, token, Tracker, { inspectionId, after });
    const page = result.inspection?.requests;
    for (const request of page?.nodes ?? []) {
      lines.push(`${request.reference} ${badge(request.status)} ${request.dueAt}`);
    }
    if (!page?.pageInfo.hasNextPage || page.pageInfo.endCursor == null) {
      return lines;
    }
    after = page.pageInfo.endCursor;
  }
}

export async function agencyInbox(token: string): Promise<string[]> {
  const { myRequests } = await execute(API, token, MyRequests);
  return myRequests.nodes.map(
    (r) => `${r.inspection?.reference ?? "?"} ${r.reference} ${badge(r.status)}: ${r.title}`,
  );
}
