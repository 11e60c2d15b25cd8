// The Node package entry (dist/node/index.js): the public API plus the
// command-line programs that scripts/*.js call.
export * from './index';
export { runTrainCli } from './cli/train';
export { loadImageFolder, listImageFiles } from './platform/folder';
export { pipelineWasm } from './wasm/pipeline';
export { runDiversityCli } from './cli/diversity';
export { loadSampleInput } from './platform/samples';
export { nodePlatform, nodeWorkerFactory, nodeSpawner, NodeStore } from './platform/node';
export type { Platform, Clock, GlRequest } from './platform/platform';
export { runMakeFacesCli } from './cli/make_faces';
export { ensureDefaultFaces } from './platform/faces';
export { runExperimentsCli } from './cli/experiments';
export { runSampleCli } from './cli/sample';
export { runMain, track, spawnTracked, onStop, critical, stopRequested } from './platform/lifetime';
export { runImportCli } from './cli/import';
export { runExportCli } from './cli/export';
