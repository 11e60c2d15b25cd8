// The diversity metrics' public surface (browser-safe: no Node imports).
export { scoreDiversity, scoreSet, pairwiseMsssim, ndbScore, ndbModel, decideVerdict, vendiCosine, vendiCosinePool, vendiOfKernel, vendiFromEigenvalues, THRESHOLDS, FALLBACK_DUP_THRESHOLD, REF_DUP_FACTOR, type DiversityReport, type DiversityOptions, type DiversityProgress, type SetScores, type Verdict } from './diversity';
export { fromGeneratorOutput, parseNpy, encodeNpy, splitGrid, fromImages, concatSamples, subsetSamples, luminance, pixelFeatures, SampleError, type SampleSet } from './samples';
export { MetricsPool, type WorkerFactory, type WorkerLike } from './pool';
export { renderReportHtml } from './report_html';
export { slicedWasserstein, swdPlan, swdMemoryPlans, swdLevels, swdPatchOffsets, swdDirections, checkSwdSets, SwdError, SWD_DEFAULTS, type SwdResult, type SwdOptions } from './swd';
export { swdLevel, swdProject, swdLevelDistances, swdW1Method, swdProjectionMethod, swdMemoryPlan, SWD_MEMORY_LIMIT, type SwdMemoryPlan } from '../kernels/swd';
export { syntheticFaces, collapsedFrom, withRepeats } from './synthetic';
export { scoreGeneratedSamples, diversityRecord, referenceFromU8, type DiversityRecord } from './trainer';
export { symEigenvalues } from '../kernels/eigen';
export { dotMatrix } from '../kernels/gram';
export { nearest } from '../kernels/knn';
export { msssimPairs } from '../kernels/ssim';
export { initMetricsWasm, metricsSimd, useMetricsSimd, metricsRelaxedAvailable, type MetricsSimd } from '../wasm/metrics';
