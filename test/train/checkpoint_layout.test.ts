// The checkpoint-folder layout (train/checkpoint.ts, its one home) on a plain
// MemoryStore: folder names, latest.json, the run files at a step, a
// checkpoint as a run directory of its own, dropping the steps after a point.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/train/store';
import {
  checkpointRunDirectory, dropCheckpointsAfter, isStepDirName, listCheckpointDirs, loadLatestCheckpoint, putCheckpoint, runFilesAt, stepDirName, stepOfDir,
} from '../../src/train/checkpoint';

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const ck = (step: number) => ({ 'state.json': JSON.stringify({ step }), 'generator.json': `g${step}` });

describe('checkpoint layout', () => {
  it('names: step-NNNNNN, six digits at least, read back as the step', () => {
    expect(stepDirName(7)).toBe('step-000007');
    expect(stepDirName(1234567)).toBe('step-1234567');
    for (const s of [0, 7, 600, 999999, 1234567]) expect(stepOfDir(stepDirName(s))).toBe(s);
    expect(stepOfDir('checkpoints/step-000600')).toBe(600);
    expect(stepOfDir('latest.json')).toBeNaN();
    expect(['step-000001', 'step-1', 'step-', 'step-01.tmp-3', 'x-000001', 'latest.json'].map(isStepDirName)).toEqual([true, true, false, false, false, false]);
  });

  it('putCheckpoint writes the folder then latest.json naming it; the folders list by step, not by name', async () => {
    const s = new MemoryStore();
    for (const step of [999999, 5, 1000000]) await putCheckpoint(s, stepDirName(step), ck(step));
    expect(JSON.parse(await s.readText('checkpoints/latest.json'))).toEqual({ step: 1000000, dir: 'step-1000000' });
    expect(await listCheckpointDirs(s)).toEqual(['step-000005', 'step-999999', 'step-1000000']);
    expect(text((await loadLatestCheckpoint(s))!.files['generator.json'] as Uint8Array)).toBe('g1000000');
    await expect(putCheckpoint(s, 'latest', ck(1))).rejects.toThrow(/not a checkpoint folder name/);
  });

  it('loadLatestCheckpoint: a latest.json naming nothing usable falls back to the newest complete folder', async () => {
    const s = new MemoryStore();
    await putCheckpoint(s, 'step-000002', ck(2));
    await putCheckpoint(s, 'step-000010', ck(10));
    await s.writeAtomic('checkpoints/step-000011/generator.json', 'torn'); // no state.json: incomplete
    for (const latest of ['{"dir":"step-000011"}', '{"dir":"../x"}', '{}', 'not json']) {
      await s.writeAtomic('checkpoints/latest.json', latest);
      expect((await loadLatestCheckpoint(s))!.dir, latest).toBe('checkpoints/step-000010');
    }
    expect(await loadLatestCheckpoint(new MemoryStore())).toBeNull();
  });

  it('dropCheckpointsAfter removes the later steps and repoints latest.json ({} when none is left)', async () => {
    const s = new MemoryStore();
    for (const step of [2, 4, 6, 1000000]) await putCheckpoint(s, stepDirName(step), ck(step));
    expect(await dropCheckpointsAfter(s, 4)).toBe(2);
    expect(await listCheckpointDirs(s)).toEqual(['step-000002', 'step-000004']);
    expect(JSON.parse(await s.readText('checkpoints/latest.json'))).toEqual({ step: 4, dir: 'step-000004' });
    expect(await dropCheckpointsAfter(s, 0)).toBe(2);
    expect(await s.readText('checkpoints/latest.json')).toBe('{}\n');
    expect(await loadLatestCheckpoint(s)).toBeNull();
  });

  it('runFilesAt keeps metrics.jsonl up to the step (a torn line dropped), the other run files whole', async () => {
    const s = new MemoryStore();
    await s.writeAtomic('config.json', '{"size":32}');
    await s.writeAtomic('metrics.jsonl', '{"step":1,"a":1}\n{"step":2,"a":2}\n{"step":3,"a":3}\n{"step":4');
    await s.writeAtomic('loss.svg', '<svg/>');
    const f = await runFilesAt(s, 2);
    expect(Object.keys(f).sort()).toEqual(['config.json', 'loss.svg', 'metrics.jsonl']);
    expect(text(f['metrics.jsonl'])).toBe('{"step":1,"a":1}\n{"step":2,"a":2}\n');
    expect(text(f['config.json'])).toBe('{"size":32}');
    expect(Object.keys(await runFilesAt(s, 2, ['config.json', 'absent.txt']))).toEqual(['config.json']);
  });

  it('checkpointRunDirectory: a run directory that loadLatestCheckpoint reads back, config standing in when missing', async () => {
    const s = new MemoryStore();
    await s.writeAtomic('metrics.jsonl', '{"step":3}\n{"step":9}\n');
    await putCheckpoint(s, 'step-000003', ck(3));
    const files = await checkpointRunDirectory(s, (await loadLatestCheckpoint(s))!, { size: 16 });
    expect(Object.keys(files).sort()).toEqual(['checkpoints/latest.json', 'checkpoints/step-000003/generator.json', 'checkpoints/step-000003/state.json', 'config.json', 'metrics.jsonl']);
    expect(text(files['metrics.jsonl'])).toBe('{"step":3}\n');
    expect(JSON.parse(text(files['config.json']))).toEqual({ size: 16 });
    const copy = new MemoryStore();
    for (const [p, d] of Object.entries(files)) await copy.writeAtomic(p, d);
    const back = (await loadLatestCheckpoint(copy))!;
    expect(back.dir).toBe('checkpoints/step-000003');
    expect(text(back.files['generator.json'] as Uint8Array)).toBe('g3');
  });
});
