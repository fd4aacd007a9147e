// Jest loads global set-up with Node's own loader, which cannot resolve the TypeScript sources;
// tsx can, so the real work lives in setup-server.ts.
import { tsImport } from 'tsx/esm/api';

export default async function globalSetup() {
  const { default: setup } = await tsImport('./setup-server.ts', import.meta.url);
  await setup();
}
