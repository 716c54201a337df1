// Follow an inspection's events (or the integrators' change feed) from Node with graphql-ws,
// printing one JSON line per event; reconnects after a close with the last cursor, so nothing is
// missed. Used by tests/test_frontend_example.py and tests/test_subscriptions_e2e.py.
//
//   JTAI_WS_URL=ws://127.0.0.1:8000/graphql JTAI_TOKEN=jtai_... \
//     node scripts/live-events.mjs inspection <inspection id> [after]
//   JTAI_WS_URL=... JTAI_TOKEN=... node scripts/live-events.mjs findings [after]
//
// Lines: {"type":"connected","retry":false}, {"type":"event","data":{...}},
// {"type":"closed","code":1006,"reason":""}, {"type":"refused","errors":[...]}, {"type":"end"}.
// It ends on a final close (4401, 4403), a refused subscription, or SIGTERM.
import { CloseCode, createClient } from "graphql-ws";
import WebSocket from "ws";

const INSPECTION_EVENTS = `
  subscription Live($inspectionId: ID!, $after: String) {
    inspectionEvents(inspectionId: $inspectionId, after: $after) {
      cursor kind occurredAt
      request { id reference status }
      listUpload { id listCode }
      child { id }
      evidence { id status inspectorate { code } }
      coverage { evidenceCount }
      finding { id status title }
      report { status }
    }
  }`;

const FINDING_CHANGES = `
  subscription Feed($after: String) {
    findingChanges(after: $after) { cursor node { change findingId } }
  }`;

const FINAL = new Set([
  CloseCode.Unauthorized,
  CloseCode.Forbidden,
  CloseCode.BadRequest,
  CloseCode.SubprotocolNotAcceptable,
]);

const [feed, ...rest] = process.argv.slice(2);
const url = process.env.JTAI_WS_URL;
const token = process.env.JTAI_TOKEN;
if (!url || !token || !["inspection", "findings"].includes(feed)) {
  console.error("usage: JTAI_WS_URL=... JTAI_TOKEN=... live-events.mjs inspection <id> [after] | findings [after]");
  process.exit(2);
}

const print = (line) => process.stdout.write(JSON.stringify(line) + "\n");

// graphql-ws sends this same object again on every reconnect: `after` follows the last cursor.
const payload =
  feed === "inspection"
    ? { query: INSPECTION_EVENTS, variables: { inspectionId: rest[0], after: rest[1] ?? null } }
    : { query: FINDING_CHANGES, variables: { after: rest[0] ?? null } };
const cursorOf = (data) =>
  feed === "inspection" ? data.inspectionEvents.cursor : data.findingChanges.cursor;

const client = createClient({
  url,
  webSocketImpl: WebSocket,
  connectionParams: () => ({ authorization: `Bearer ${token}` }),
  lazy: false,
  retryAttempts: 30,
  retryWait: async (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(200 * 2 ** retries, 2000))),
  shouldRetry: (closed) => !(closed && typeof closed.code === "number" && FINAL.has(closed.code)),
  on: {
    connected: (_socket, _payload, retry) => print({ type: "connected", retry: Boolean(retry) }),
    closed: (event) => print({ type: "closed", code: event?.code ?? null, reason: event?.reason ?? "" }),
  },
});

const finish = (code) => {
  client.dispose();
  setTimeout(() => process.exit(code), 50);
};

client.subscribe(payload, {
  next: (result) => {
    if (result.errors?.length) print({ type: "errors", errors: result.errors });
    if (result.data) {
      payload.variables.after = cursorOf(result.data);
      print({ type: "event", data: result.data });
    }
  },
  error: (problem) => {
    if (Array.isArray(problem)) print({ type: "refused", errors: problem });
    else print({ type: "ended", code: problem?.code ?? null, reason: problem?.reason ?? String(problem) });
    finish(0);
  },
  complete: () => {
    print({ type: "end" });
    finish(0);
  },
});

process.on("SIGTERM", () => finish(0));
process.on("SIGINT", () => finish(0));
