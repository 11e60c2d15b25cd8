// The seed generator as an ONNX model (opset 13): Gemm -> BatchNormalization
// -> Relu -> Reshape to NCHW -> [ConvTranspose -> BatchNormalization -> Relu]
// x (stages-1) -> ConvTranspose (bias) -> Tanh. Input "z" [N, zDim], output
// "images" [N, 3, S, S] (NCHW in [-1, 1], as the PyTorch module returns).
// The weights are the seed's state_dict (seed_map.ts), so the graph uses
// PyTorch's layouts, which are ONNX's. The protobuf is encoded by protobufjs
// from the subset of onnx.proto (github.com/onnx/onnx, IR version 7) below.
import protobuf from 'protobufjs';
import { BridgeError, type StateDict } from './errors';
import type { GShape } from './seed_map';

const ONNX_SUBSET = `
syntax = "proto2";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; }
  optional string name = 1;
  optional float f = 2;
  optional int64 i = 3;
  repeated int64 ints = 8;
  optional AttributeType type = 20;
}
message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  optional string name = 8;
  optional bytes raw_data = 9;
}
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  repeated AttributeProto attribute = 5;
}
message TensorShapeProto {
  message Dimension { optional int64 dim_value = 1; optional string dim_param = 2; }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { optional int32 elem_type = 1; optional TensorShapeProto shape = 2; }
  optional Tensor tensor_type = 1;
}
message ValueInfoProto { optional string name = 1; optional TypeProto type = 2; }
message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message OperatorSetIdProto { optional string domain = 1; optional int64 version = 2; }
message ModelProto {
  optional int64 ir_version = 1;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`;

const FLOAT = 1, INT64 = 7;
export const ONNX_OPSET = 13;

let modelType: protobuf.Type | null = null;

export function generatorOnnx(sd: StateDict, g: GShape, producerVersion = '0'): Uint8Array {
  modelType ??= protobuf.parse(ONNX_SUBSET, { keepCase: true }).root.lookupType('onnx.ModelProto');
  const st = g.size === 64 ? 4 : 3;
  const c0 = g.ngf * 2 ** (st - 1);
  const init: object[] = [];
  const nodes: object[] = [];
  const weight = (name: string) => {
    const t = sd.get(name);
    if (!t || t.dtype !== 'float32') throw new BridgeError('ARCHITECTURE', `the generator has no float tensor ${name} for the ONNX graph`);
    init.push({ name, dims: t.shape, data_type: FLOAT, raw_data: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength) });
    return name;
  };
  const ints = (name: string, v: number[]) => ({ name, type: 7, ints: v });
  const node = (op: string, input: string[], output: string, attribute: object[] = []) => {
    nodes.push({ op_type: op, input, output: [output], name: `${op}_${nodes.length}`, attribute });
    return output;
  };
  const bn = (x: string, p: string, out: string) =>
    node('BatchNormalization', [x, weight(`${p}.weight`), weight(`${p}.bias`), weight(`${p}.running_mean`), weight(`${p}.running_var`)], out, [{ name: 'epsilon', type: 1, f: 1e-5 }, { name: 'momentum', type: 1, f: 0.9 }]);
  const deconv = (x: string, w: string, b: string | null, out: string) =>
    node('ConvTranspose', b ? [x, weight(w), weight(b)] : [x, weight(w)], out, [
      ints('kernel_shape', [5, 5]), ints('strides', [2, 2]), ints('pads', [2, 2, 2, 2]), ints('output_padding', [1, 1]),
    ]);
  let x = node('Gemm', ['z', weight('l1.0.weight')], 'fc', [{ name: 'transB', type: 2, i: 1 }]);
  x = node('Relu', [bn(x, 'l1.1', 'fc_bn')], 'fc_relu');
  const shape = new BigInt64Array([-1n, BigInt(c0), 4n, 4n]);
  init.push({ name: 'nchw_shape', dims: [4], data_type: INT64, raw_data: new Uint8Array(shape.buffer) });
  x = node('Reshape', [x, 'nchw_shape'], 'h0');
  for (let i = 0; i < st - 1; i++) {
    x = deconv(x, `l2_5.${i}.0.weight`, null, `up${i}`);
    x = node('Relu', [bn(x, `l2_5.${i}.1`, `up${i}_bn`)], `h${i + 1}`);
  }
  x = deconv(x, `l2_5.${st - 1}.weight`, `l2_5.${st - 1}.bias`, 'out');
  node('Tanh', [x], 'images');
  const dims = (d: (number | string)[]) => ({ dim: d.map((v) => (typeof v === 'string' ? { dim_param: v } : { dim_value: v })) });
  const model = {
    ir_version: 7,
    producer_name: 'ganforge',
    producer_version: producerVersion,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    graph: {
      name: `ganforge_generator_${g.size}`,
      node: nodes,
      initializer: init,
      input: [{ name: 'z', type: { tensor_type: { elem_type: FLOAT, shape: dims(['N', g.zDim]) } } }],
      output: [{ name: 'images', type: { tensor_type: { elem_type: FLOAT, shape: dims(['N', 3, g.size, g.size]) } } }],
    },
  };
  const err = modelType.verify(model);
  if (err) throw new Error(`ONNX model: ${err}`);
  return modelType.encode(modelType.fromObject(model)).finish();
}
