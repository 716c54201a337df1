// Live updates over a WebSocket (graphql-transport-ws): plain graphql-ws, and Apollo Client with
// HTTP for queries and mutations and GraphQLWsLink for subscriptions. Typed by the generated types.
import { ApolloClient, HttpLink, InMemoryCache, split } from "@apollo/client";
import type { TypedDocumentNode } from "@apollo/client";
import { GraphQLWsLink } from "@apollo/client/link/subscriptions";
import { isSubscriptionOperation } from "@apollo/client/utilities";
import { parse } from "graphql";
import { CloseCode, createClient } from "graphql-ws";
import type { Client, FormattedExecutionResult } from "graphql-ws";
import { graphql } from "./gql";
import type {
  FindingFeedSubscription,
  InspectionEventKind,
  InspectionLiveSubscription,
  TypedDocumentString,
} from "./gql/graphql";

export const InspectionLive = graphql(`
  subscription InspectionLive($inspectionId: ID!, $after: String) {
    inspectionEvents(inspectionId: $inspectionId, after: $after) {
      cursor
      kind
      occurredAt
      request { id reference status dueAt }
      listUpload { listCode rowCount current }
      child { id localId }
      evidence { id status inspectorate { code } }
      coverage { evidenceCount criteriaWithoutEvidence { code } }
      finding { id title status awaitingAgreementFrom { shortName } }
      report { status publishedAt }
    }
  }
`);

export const FindingFeed = graphql(`
  subscription FindingFeed($after: String) {
    findingChanges(after: $after) {
      cursor
      node { change occurredAt findingId finding { title } }
    }
  }
`);

export type InspectionEvent = InspectionLiveSubscription["inspectionEvents"];

// What to do when the server closes the socket. graphql-ws reconnects by itself on the others
// (1001 the server is shutting down or deploying, 1006 a worker died, 1013 this client fell
// behind its queue); with the last cursor sent again, nothing is lost.
export function isFinal(code: number): boolean {
  return (
    code === CloseCode.Unauthorized || // 4401: token missing, expired or revoked: sign in again
    code === CloseCode.Forbidden || // 4403: the viewer lost access (left the team): stop
    code === CloseCode.BadRequest || // 4400: a malformed message: a bug in the client
    code === CloseCode.SubprotocolNotAcceptable // 4406: not graphql-transport-ws
  );
}

/** One socket for every subscription of a signed-in user. The token is read when the socket
 * opens, in connection_init: never in the URL. `webSocketImpl` is for Node (the `ws` package);
 * a browser has its own WebSocket. */
export function liveClient(url: string, token: () => string, webSocketImpl?: unknown): Client {
  return createClient({
    url,
    webSocketImpl,
    connectionParams: () => ({ authorization: `Bearer ${token()}` }),
    retryAttempts: 20,
    // Retry every close but the final ones (graphql-ws would retry 4403 too).
    shouldRetry: (closed) =>
      !(typeof closed === "object" && closed !== null && "code" in closed && isFinal(Number(closed.code))),
  });
}

/** Subscribe and resume: graphql-ws sends the same payload object again after a reconnect, so
 * keeping its `after` at the last event's cursor has the server replay what this client missed,
 * then go on live. */
export function subscribeResuming<TResult, TVariables extends { after?: string | null }>(
  client: Client,
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
  cursorOf: (data: TResult) => string,
  onData: (data: TResult) => void,
  onEnd: (problem?: unknown) => void,
): () => void {
  const payload = { query: document.toString(), variables: { ...variables } };
  return client.subscribe<TResult>(payload, {
    next: (result: FormattedExecutionResult<TResult>) => {
      if (result.data) {
        payload.variables.after = cursorOf(result.data);
        onData(result.data);
      }
    },
    // An array: the server refused this subscription (FORBIDDEN, NOT_FOUND, BAD_USER_INPUT for
    // a bad cursor, SUBSCRIPTION_LIMIT); a close event: a final close code, or retries ran out.
    error: (problem) => onEnd(problem),
    complete: () => onEnd(),
  });
}

/** The lead inspector's dashboard, live: each event names its kind and carries the graph's own
 * objects, so a UI updates the panel the kind belongs to. */
export function panelFor(kind: InspectionEventKind): string {
  switch (kind) {
    case "REQUEST_ISSUED":
    case "REQUEST_RECEIVED":
    case "REQUEST_LATE":
    case "REQUEST_OVERDUE":
      return "requests";
    case "LIST_ACCEPTED":
    case "LIST_REFUSED":
      return "lists";
    case "CHILD_SELECTED":
    case "CHILD_TRACKED":
    case "CHILD_UNTRACKED":
      return "children";
    case "EVIDENCE_RECORDED":
    case "COVERAGE_CHANGED":
      return "evidence";
    case "FINDING_CREATED":
    case "FINDING_AGREED":
    case "FINDING_PUBLISHED":
    case "FINDING_WITHDRAWN":
      return "findings";
    case "LETTER_PUBLISHED":
      return "letter";
    default: {
      const unknown: never = kind;
      throw new Error(`no panel for ${String(unknown)}`);
    }
  }
}

export function watchInspection(
  wsUrl: string,
  token: () => string,
  inspectionId: string,
  onEvent: (event: InspectionEvent, panel: string) => void,
): () => void {
  const client = liveClient(wsUrl, token);
  return subscribeResuming(
    client,
    InspectionLive,
    { inspectionId, after: null },
    (data) => data.inspectionEvents.cursor,
    (data) => onEvent(data.inspectionEvents, panelFor(data.inspectionEvents.kind)),
    (problem) => console.warn("live updates stopped", problem),
  );
}

// --- Apollo Client --------------------------------------------------------------------------------

/** A TypedDocumentNode for Apollo from a generated typed string (codegen's documentMode "string"). */
export function asDocument<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
): TypedDocumentNode<TResult, TVariables> {
  return parse(document.toString()) as TypedDocumentNode<TResult, TVariables>;
}

/** HTTP for queries and mutations, the WebSocket for subscriptions. Apollo's link builds a new
 * payload for each subscribe, so here a close ends the subscription (retryAttempts 0) and the
 * caller subscribes again with the last cursor (see followFindings). */
export function apolloClient(httpUrl: string, wsUrl: string, token: () => string): ApolloClient {
  const http = new HttpLink({
    uri: httpUrl,
    fetch: (input, init) =>
      fetch(input, { ...init, headers: { ...init?.headers, Authorization: `Bearer ${token()}` } }),
  });
  const ws = new GraphQLWsLink(
    createClient({
      url: wsUrl,
      connectionParams: () => ({ authorization: `Bearer ${token()}` }),
      retryAttempts: 0,
    }),
  );
  return new ApolloClient({
    link: split(({ query }) => isSubscriptionOperation(query), ws, http),
    cache: new InMemoryCache(),
  });
}

/** An integrator's live change feed through Apollo, resumed from the last cursor after a close
 * (a worker restarting, a deploy) unless the close is final. */
export function followFindings(
  client: ApolloClient,
  onChange: (edge: FindingFeedSubscription["findingChanges"]) => void,
  after: string | null = null,
): { stop: () => void } {
  let last = after;
  let current: { unsubscribe: () => void } | null = null;
  let stopped = false;
  const start = (): void => {
    current = client.subscribe({ query: asDocument(FindingFeed), variables: { after: last } }).subscribe({
      next: ({ data }) => {
        if (data) {
          last = data.findingChanges.cursor;
          onChange(data.findingChanges);
        }
      },
      error: (problem: unknown) => {
        const code = (problem as { code?: unknown } | null)?.code;
        if (!stopped && !(typeof code === "number" && isFinal(code))) {
          setTimeout(start, 1000);
        }
      },
    });
  };
  start();
  return {
    stop: () => {
      stopped = true;
      current?.unsubscribe();
    },
  };
}
