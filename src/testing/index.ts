/**
 * Test helpers: `import { TestClient } from 'phial/testing'` (or call `app.testClient()`).
 * @module
 */
export { TestClient, TestResponse, type TestClientOptions, type TestRequestOptions, type TestableApp } from './client.ts';
