/**
 * Test helpers: `import { TestClient } from 'phial/testing'` (or call `app.testClient()`).
 *
 * The client is defined in the app layer, below this entry point, because `app.testClient()`
 * builds one; this module is the public way in.
 * @module
 */
export { TestClient, TestResponse, type TestClientOptions, type TestRequestOptions, type TestableApp } from '../app/test-client.ts';
