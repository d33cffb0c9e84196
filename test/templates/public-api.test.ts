import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderSandboxed, SandboxError } from 'phial';

test('renderSandboxed from the package entry escapes output and enforces limits', async () => {
  assert.equal(await renderSandboxed('Hi {{ name }}', { name: '<b>x</b>' }), 'Hi &lt;b&gt;x&lt;/b&gt;');
  await assert.rejects(renderSandboxed("{% include 'x' %}", {}), (e: unknown) => e instanceof SandboxError && e.code === 'PHIAL_E_SANDBOX_FORBIDDEN');
  await assert.rejects(renderSandboxed('x'.repeat(70_000), {}), (e: unknown) => e instanceof SandboxError && e.code === 'PHIAL_E_SANDBOX_SOURCE');
});
