// Mocha's globals (describe, it, before, ...) for the test files only. The root tsconfig names
// just "node" in `types`: Pulumi type-checks the program with that tsconfig, and after
// `npm ci --omit=dev` @types/mocha is not installed, so naming it there would break `pulumi up`.
/// <reference types="mocha" />
