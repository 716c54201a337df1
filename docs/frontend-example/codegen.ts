import type { CodegenConfig } from "@graphql-codegen/cli";

// Types for the operations in src/, from the schema the repository commits (`jtai schema`).
const config: CodegenConfig = {
  schema: "../../schema.graphql",
  documents: ["src/**/*.ts", "!src/gql/**"],
  ignoreNoDocuments: false,
  generates: {
    "src/gql/": {
      preset: "client",
      config: {
        // Documents as typed strings: the app needs no GraphQL library at run time, only fetch.
        documentMode: "string",
        // The graph's custom scalars, as they travel in JSON.
        scalars: {
          Date: "string",
          DateTime: "string",
          // An answer's value, as its form's input takes it: narrow it by the answer's `kind`.
          JSON: "unknown",
          Time: "string",
          Upload: "File",
        },
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
      },
    },
  },
};

export default config;
