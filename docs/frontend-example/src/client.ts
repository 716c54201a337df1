// A typed GraphQL client in a dozen lines: fetch, the bearer token, errors with their codes.
import type { TypedDocumentString } from "./gql/graphql";

export interface GraphQLErrorItem {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

export class GraphQLRequestError extends Error {
  constructor(
    readonly status: number,
    readonly errors: GraphQLErrorItem[],
  ) {
    super(errors.map((e) => `${e.extensions?.code ?? "ERROR"}: ${e.message}`).join("\n"));
  }
}

export async function execute<TResult, TVariables>(
  url: string,
  token: string,
  document: TypedDocumentString<TResult, TVariables>,
  // Variables may be left out only when the operation requires none.
  ...[variables]: Partial<TVariables> extends TVariables ? [variables?: TVariables] : [TVariables]
): Promise<TResult> {
  const response = await fetch(url, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/graphql-response+json, application/json",
      Authorization: `Bearer ${token}`,
    },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as { data?: TResult | null; errors?: GraphQLErrorItem[] };
  if (body.errors?.length || body.data == null) {
    throw new GraphQLRequestError(response.status, body.errors ?? []);
  }
  return body.data;
}
