//! TensorFlow op -> ONNX opset 17 mapping.
//!
//! TensorFlow graphs are NHWC; ONNX convolutions are NCHW. Every value keeps
//! up to two ONNX names: one in TensorFlow's layout and one transposed to
//! NCHW (rank-4 values only). Convolution-like ops ask for the NCHW name,
//! everything else for the TensorFlow one, and a Transpose is emitted the
//! first time a missing layout is asked for. With
//! [`ConvertOptions::keep_nchw`], element-wise ops and Pad between
//! convolutions stay in NCHW, so a chain of convolutions needs no Transposes.

use std::collections::HashMap;
use std::rc::Rc;

use super::builder::{Builder, DType};
use super::onnx::{AttributeProto, GraphProto, ModelProto, OperatorSetIdProto, ValueInfoProto};
use super::tfjs::{ConstTensor, Endpoint, NodeDef, TensorData, TfjsModel, base64_decode};
use super::{ConvertError, ConvertOptions};

mod conv;
mod elementwise;
mod index;
mod shape;

/// ONNX IR version written to the file (ONNX 1.13+, read by ORT 1.14+).
const IR_VERSION: i64 = 8;
/// Default-domain opset the nodes use.
const OPSET: i64 = 17;
/// Permutation from NHWC to NCHW.
const TO_NCHW: [i64; 4] = [0, 3, 1, 2];
/// Permutation from NCHW to NHWC.
const TO_NHWC: [i64; 4] = [0, 2, 3, 1];

/// Static shape in TensorFlow axis order; `None` sizes are unknown (batch).
type Dims = Vec<Option<i64>>;

/// Which axis order an ONNX name holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// TensorFlow's own order (NHWC for images).
    Tf,
    /// Channels first; only for rank-4 values.
    Nchw,
}

/// A TensorFlow tensor as seen by the ONNX graph.
#[derive(Debug, Clone)]
struct Value {
    dtype: DType,
    /// Shape in TensorFlow order, when known.
    shape: Option<Dims>,
    /// ONNX name holding it in TensorFlow order.
    tf: Option<String>,
    /// ONNX name holding it in NCHW.
    nchw: Option<String>,
    /// Values, for constants; the initializer is made on first use.
    konst: Option<Rc<ConstTensor>>,
    /// Name for that initializer.
    const_name: String,
}

impl Value {
    fn computed(dtype: DType, shape: Option<Dims>, layout: Layout, name: String) -> Self {
        let (tf, nchw) = match layout {
            Layout::Tf => (Some(name), None),
            Layout::Nchw => (None, Some(name)),
        };
        Self {
            dtype,
            shape,
            tf,
            nchw,
            konst: None,
            const_name: String::new(),
        }
    }

    fn rank(&self) -> Option<usize> {
        self.shape.as_ref().map(Vec::len)
    }

    /// A constant with at most one element broadcasts the same in any layout.
    fn is_scalar_const(&self) -> bool {
        self.konst
            .as_ref()
            .is_some_and(|k| k.data.len() <= 1 && k.shape.len() <= 4)
    }
}

/// Converts a parsed graph model into an ONNX model.
pub fn convert(
    model: &TfjsModel,
    model_name: &str,
    options: ConvertOptions,
) -> Result<ModelProto, ConvertError> {
    let mut conv = Converter::new(model, options)?;
    conv.run()?;
    Ok(ModelProto {
        ir_version: IR_VERSION,
        producer_name: "formcoach".to_owned(),
        producer_version: String::new(),
        graph: Some(GraphProto {
            node: conv.b.nodes,
            name: model_name.to_owned(),
            initializer: conv.b.initializers,
            input: conv.graph_inputs,
            output: conv.graph_outputs,
        }),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
    })
}

struct Converter<'m> {
    model: &'m TfjsModel,
    options: ConvertOptions,
    b: Builder,
    index: HashMap<&'m str, usize>,
    /// Values by TensorFlow tensor name `node:k`.
    values: HashMap<String, Value>,
    /// Transformed weights by (constant tensor, transform), so shared weights
    /// are stored once.
    weight_cache: HashMap<(String, &'static str), String>,
    graph_inputs: Vec<ValueInfoProto>,
    graph_outputs: Vec<ValueInfoProto>,
}

/// `node` or `node:k` -> `node:k`.
fn tensor_key(reference: &str) -> String {
    if reference.contains(':') {
        reference.to_owned()
    } else {
        format!("{reference}:0")
    }
}

fn node_of(reference: &str) -> &str {
    reference.split(':').next().unwrap_or(reference)
}

/// Data inputs of a node (control dependencies `^x` dropped).
fn data_inputs(node: &NodeDef) -> impl Iterator<Item = &String> {
    node.input.iter().filter(|i| !i.starts_with('^'))
}

fn unsupported(node: &NodeDef, detail: impl Into<String>) -> ConvertError {
    ConvertError::UnsupportedAttr {
        op: node.op.clone(),
        node: node.name.clone(),
        detail: detail.into(),
    }
}

/// The largest size of one axis a graph input may declare (2^31).
const MAX_DIM: i64 = 1 << 31;

fn attr_int(node: &NodeDef, name: &str) -> Option<i64> {
    node.attr
        .get(name)
        .and_then(|a| a.i.as_ref())
        .and_then(super::tfjs::JsonInt::get)
}

fn attr_bool(node: &NodeDef, name: &str) -> Option<bool> {
    node.attr.get(name).and_then(|a| a.b)
}

fn attr_type(node: &NodeDef, name: &str) -> Option<String> {
    node.attr.get(name).and_then(|a| a.dtype.clone())
}

fn attr_str(node: &NodeDef, name: &str) -> Result<Option<String>, ConvertError> {
    let Some(text) = node.attr.get(name).and_then(|a| a.s.as_ref()) else {
        return Ok(None);
    };
    let bytes = base64_decode(text)
        .ok_or_else(|| unsupported(node, format!("attribute {name}: bad base64 {text:?}")))?;
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|_| unsupported(node, format!("attribute {name}: not UTF-8")))
}

fn attr_ints(node: &NodeDef, name: &str) -> Result<Option<Vec<i64>>, ConvertError> {
    let Some(list) = node.attr.get(name).and_then(|a| a.list.as_ref()) else {
        return Ok(None);
    };
    list.i
        .iter()
        .map(|v| {
            v.get()
                .ok_or_else(|| unsupported(node, format!("attribute {name}: bad integer {v:?}")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn attr_strs(node: &NodeDef, name: &str) -> Result<Vec<String>, ConvertError> {
    let Some(list) = node.attr.get(name).and_then(|a| a.list.as_ref()) else {
        return Ok(Vec::new());
    };
    list.s
        .iter()
        .map(|t| {
            base64_decode(t)
                .and_then(|b| String::from_utf8(b).ok())
                .ok_or_else(|| unsupported(node, format!("attribute {name}: bad string {t:?}")))
        })
        .collect()
}

/// The epilogue of a fused convolution: whether it adds a bias, and its
/// activation (`BiasAdd` then at most one activation is all TF.js fuses here).
fn fused_epilogue(
    node: &NodeDef,
    fused: bool,
) -> Result<(bool, Option<&'static str>), ConvertError> {
    if !fused {
        return Ok((false, None));
    }
    let ops = attr_strs(node, "fused_ops")?;
    let ops: Vec<&str> = ops.iter().map(String::as_str).collect();
    match ops[..] {
        [] => Ok((false, None)),
        ["BiasAdd"] => Ok((true, None)),
        ["BiasAdd", act] => ["Relu", "Relu6", "Elu", "Sigmoid", "Tanh", "LeakyRelu"]
            .into_iter()
            .find(|&a| a == act)
            .map(|a| (true, Some(a)))
            .ok_or_else(|| unsupported(node, format!("fused_ops {ops:?}"))),
        _ => Err(unsupported(node, format!("fused_ops {ops:?}"))),
    }
}

/// NHWC image data format, the only one the graphs use.
fn check_nhwc(node: &NodeDef) -> Result<(), ConvertError> {
    match attr_str(node, "data_format")?.as_deref() {
        None | Some("NHWC") => Ok(()),
        Some(other) => Err(unsupported(node, format!("data_format {other:?}"))),
    }
}

/// Numpy-style broadcast of two static shapes.
fn broadcast(a: Option<&Dims>, b: Option<&Dims>) -> Option<Dims> {
    let (a, b) = (a?, b?);
    let rank = a.len().max(b.len());
    let at = |s: &Dims, i: usize| -> Option<i64> {
        let pad = rank - s.len();
        if i < pad { Some(1) } else { s[i - pad] }
    };
    Some(
        (0..rank)
            .map(|i| match (at(a, i), at(b, i)) {
                (Some(1), d) | (d, Some(1)) => d,
                (Some(x), Some(y)) if x == y => Some(x),
                (Some(x), None) | (None, Some(x)) => Some(x),
                _ => None,
            })
            .collect(),
    )
}

/// Explicit padding (before, after) of one spatial axis for TensorFlow's
/// SAME: the extra pixel of an odd total goes at the end.
fn same_padding(input: Option<i64>, kernel: i64, stride: i64, dilation: i64) -> Option<(i64, i64)> {
    let effective = (kernel - 1) * dilation + 1;
    let total = if stride == 1 {
        effective - 1
    } else {
        let input = input?;
        let out = (input + stride - 1) / stride;
        ((out - 1) * stride + effective - input).max(0)
    };
    Some((total / 2, total - total / 2))
}

/// Output size of one spatial axis of a convolution or pool.
fn conv_out(
    input: Option<i64>,
    kernel: i64,
    stride: i64,
    dilation: i64,
    same: bool,
) -> Option<i64> {
    let input = input?;
    if same {
        Some((input + stride - 1) / stride)
    } else {
        let effective = (kernel - 1) * dilation + 1;
        Some(((input - effective) / stride + 1).max(0))
    }
}

/// Number of elements a slice keeps (ONNX Slice clamping rules).
fn slice_len(dim: i64, start: i64, end: i64, step: i64) -> i64 {
    let clamp = |v: i64, lo: i64, hi: i64| v.max(lo).min(hi);
    let norm = |v: i64| if v < 0 { v.saturating_add(dim) } else { v };
    if step > 0 {
        let s = clamp(norm(start), 0, dim);
        let e = clamp(norm(end), 0, dim);
        if e > s { (e - s + step - 1) / step } else { 0 }
    } else {
        let s = clamp(norm(start), -1, dim - 1);
        let e = clamp(norm(end), -1, dim - 1);
        if s > e {
            (s - e + (-step) - 1) / (-step)
        } else {
            0
        }
    }
}

fn raw_bytes(data: &TensorData) -> (DType, Vec<u8>) {
    match data {
        TensorData::F32(v) => (DType::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        TensorData::I32(v) => (DType::I32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
        TensorData::Bool(v) => (DType::Bool, v.iter().map(|&x| u8::from(x)).collect()),
    }
}

fn dims_i64(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

/// Normalises a possibly negative axis for a tensor of `rank`.
fn norm_axis(node: &NodeDef, axis: i64, rank: Option<usize>) -> Result<i64, ConvertError> {
    if axis >= 0 {
        return Ok(axis);
    }
    let rank = rank.ok_or_else(|| {
        unsupported(
            node,
            format!("negative axis {axis} on a value of unknown rank"),
        )
    })?;
    Ok(axis + rank as i64)
}

impl<'m> Converter<'m> {
    fn new(model: &'m TfjsModel, options: ConvertOptions) -> Result<Self, ConvertError> {
        let mut index = HashMap::new();
        for (i, node) in model.nodes.iter().enumerate() {
            if index.insert(node.name.as_str(), i).is_some() {
                return Err(ConvertError::Graph(format!(
                    "two nodes are named {:?}",
                    node.name
                )));
            }
        }
        let mut b = Builder::default();
        // Public names first, so no internal value can take them.
        for e in model.inputs.iter().chain(&model.outputs) {
            b.unique(&e.name);
        }
        Ok(Self {
            model,
            options,
            b,
            index,
            values: HashMap::new(),
            weight_cache: HashMap::new(),
            graph_inputs: Vec::new(),
            graph_outputs: Vec::new(),
        })
    }

    fn run(&mut self) -> Result<(), ConvertError> {
        let model = self.model;
        if model.outputs.is_empty() {
            return Err(ConvertError::Graph("the model has no outputs".to_owned()));
        }
        for node_index in self.topological_order()? {
            let node = &model.nodes[node_index];
            let outputs = self.convert_node(node)?;
            for (k, value) in outputs.into_iter().enumerate() {
                self.values.insert(format!("{}:{k}", node.name), value);
            }
        }
        for endpoint in &model.outputs {
            self.emit_output(endpoint)?;
        }
        Ok(())
    }

    /// Nodes the outputs depend on, dependencies first; nodes nothing reads
    /// are left out.
    fn topological_order(&self) -> Result<Vec<usize>, ConvertError> {
        let nodes = &self.model.nodes;
        let lookup = |reference: &str| -> Result<usize, ConvertError> {
            self.index.get(node_of(reference)).copied().ok_or_else(|| {
                ConvertError::Graph(format!("no node produces tensor {reference:?}"))
            })
        };
        let mut state = vec![0u8; nodes.len()];
        let mut order = Vec::new();
        for endpoint in &self.model.outputs {
            let root = lookup(&endpoint.tensor)?;
            if state[root] != 0 {
                continue;
            }
            state[root] = 1;
            let mut stack = vec![(root, 0usize)];
            while let Some(top) = stack.last_mut() {
                let (n, k) = *top;
                if let Some(reference) = data_inputs(&nodes[n]).nth(k) {
                    top.1 += 1;
                    let dep = lookup(reference)?;
                    match state[dep] {
                        0 => {
                            state[dep] = 1;
                            stack.push((dep, 0));
                        }
                        1 => {
                            return Err(ConvertError::Graph(format!(
                                "cycle through node {:?}",
                                nodes[dep].name
                            )));
                        }
                        _ => {}
                    }
                } else {
                    state[n] = 2;
                    order.push(n);
                    stack.pop();
                }
            }
        }
        Ok(order)
    }

    fn emit_output(&mut self, endpoint: &Endpoint) -> Result<(), ConvertError> {
        let key = tensor_key(&endpoint.tensor);
        let source = self.name_in(&key, Layout::Tf)?;
        let value = self.value(&key)?;
        let dtype = match endpoint.dtype.as_deref() {
            Some(t) => DType::from_tf(t).ok_or_else(|| {
                ConvertError::Graph(format!(
                    "output {:?} has unsupported dtype {t}",
                    endpoint.name
                ))
            })?,
            None => value.dtype,
        };
        let shape = endpoint.shape.clone().or_else(|| value.shape.clone());
        self.b.node_named("Identity", vec![source], &endpoint.name);
        self.graph_outputs.push(ValueInfoProto::tensor(
            &endpoint.name,
            dtype.onnx(),
            shape.as_deref(),
        ));
        Ok(())
    }

    fn value(&self, key: &str) -> Result<&Value, ConvertError> {
        self.values.get(key).ok_or_else(|| {
            ConvertError::Graph(format!("tensor {key:?} is used before it is defined"))
        })
    }

    /// Key of data input `k` of `node`.
    fn input_key(node: &NodeDef, k: usize) -> Result<String, ConvertError> {
        data_inputs(node)
            .nth(k)
            .map(|r| tensor_key(r))
            .ok_or_else(|| unsupported(node, format!("input count: input {k} is missing")))
    }

    fn input(&self, node: &NodeDef, k: usize) -> Result<&Value, ConvertError> {
        self.value(&Self::input_key(node, k)?)
    }

    /// The constant behind input `k`, or an error saying it must be one.
    fn const_input(&self, node: &NodeDef, k: usize) -> Result<Rc<ConstTensor>, ConvertError> {
        self.input(node, k)?
            .konst
            .clone()
            .ok_or_else(|| unsupported(node, format!("input {k}: it must be a constant")))
    }

    fn const_ints(&self, node: &NodeDef, k: usize) -> Result<Vec<i64>, ConvertError> {
        self.const_input(node, k)?
            .as_ints()
            .ok_or_else(|| unsupported(node, format!("input {k}: it must be an int32 constant")))
    }

    fn const_scalar_int(&self, node: &NodeDef, k: usize) -> Result<i64, ConvertError> {
        match self.const_ints(node, k)?.as_slice() {
            [v] => Ok(*v),
            other => Err(unsupported(
                node,
                format!("input {k}: expected one integer, got {other:?}"),
            )),
        }
    }

    /// ONNX name of a value in `layout`, emitting an initializer or a
    /// Transpose the first time it is needed.
    fn name_in(&mut self, key: &str, layout: Layout) -> Result<String, ConvertError> {
        let value = self.value(key)?;
        match layout {
            Layout::Tf => {
                if let Some(name) = &value.tf {
                    return Ok(name.clone());
                }
                if let Some(k) = value.konst.clone() {
                    let base = value.const_name.clone();
                    let (dtype, raw) = raw_bytes(&k.data);
                    let name = self.b.initializer(&base, &dims_i64(&k.shape), dtype, raw);
                    self.store_name(key, Layout::Tf, name.clone());
                    return Ok(name);
                }
                let source = value.nchw.clone().unwrap_or_default();
                let name = self.b.node1(
                    "Transpose",
                    vec![source.clone()],
                    vec![AttributeProto::ints("perm", &TO_NHWC)],
                    &format!("{source}/to_nhwc"),
                );
                self.store_name(key, Layout::Tf, name.clone());
                Ok(name)
            }
            Layout::Nchw => {
                if let Some(name) = &value.nchw {
                    return Ok(name.clone());
                }
                if value.rank() != Some(4) {
                    return Err(ConvertError::Graph(format!(
                        "tensor {key:?} is used as an image but its rank is {:?}, not 4",
                        value.rank()
                    )));
                }
                let source = self.name_in(key, Layout::Tf)?;
                let name = self.b.node1(
                    "Transpose",
                    vec![source.clone()],
                    vec![AttributeProto::ints("perm", &TO_NCHW)],
                    &format!("{source}/to_nchw"),
                );
                self.store_name(key, Layout::Nchw, name.clone());
                Ok(name)
            }
        }
    }

    fn store_name(&mut self, key: &str, layout: Layout, name: String) {
        if let Some(v) = self.values.get_mut(key) {
            match layout {
                Layout::Tf => v.tf = Some(name),
                Layout::Nchw => v.nchw = Some(name),
            }
        }
    }

    /// Layout for an op that works in either: NCHW when every operand already
    /// has it (or is a one-element constant) and the option allows.
    fn pick_layout(&self, keys: &[String]) -> Result<Layout, ConvertError> {
        if !self.options.keep_nchw {
            return Ok(Layout::Tf);
        }
        let mut any_nchw = false;
        for key in keys {
            let v = self.value(key)?;
            if v.nchw.is_some() {
                any_nchw = true;
            } else if !v.is_scalar_const() {
                return Ok(Layout::Tf);
            }
        }
        Ok(if any_nchw { Layout::Nchw } else { Layout::Tf })
    }

    fn data_keys(node: &NodeDef) -> Vec<String> {
        data_inputs(node).map(|r| tensor_key(r)).collect()
    }

    fn convert_node(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let op = node.op.as_str();
        let out = match op {
            "Placeholder" => self.placeholder(node)?,
            "Const" => self.constant(node)?,
            "Identity" | "StopGradient" | "Snapshot" => vec![self.input(node, 0)?.clone()],
            "Cast" => self.cast(node)?,
            "Relu" | "Sigmoid" | "Tanh" | "Sqrt" | "Exp" | "Abs" | "Neg" | "Floor" | "Ceil"
            | "Log" | "Reciprocal" | "Elu" | "LogicalNot" | "Round" | "Relu6" | "Rsqrt"
            | "Square" => self.unary(node)?,
            "AddV2" | "Add" | "Sub" | "Mul" | "RealDiv" | "Div" | "Maximum" | "Minimum" | "Pow"
            | "SquaredDifference" | "FloorDiv" | "Less" | "LessEqual" | "Greater"
            | "GreaterEqual" | "Equal" | "NotEqual" | "LogicalAnd" | "LogicalOr" => {
                self.binary(node)?
            }
            "AddN" => self.add_n(node)?,
            "Conv2D" | "_FusedConv2D" | "DepthwiseConv2dNative" | "FusedDepthwiseConv2dNative" => {
                self.conv(node)?
            }
            "MaxPool" | "AvgPool" => self.pool(node)?,
            "ResizeBilinear" => self.resize(node)?,
            "DepthToSpace" => self.depth_to_space(node)?,
            "Pad" | "PadV2" | "MirrorPad" => self.pad(node)?,
            "ConcatV2" | "Concat" => self.concat(node)?,
            "Reshape" => self.reshape(node)?,
            "Shape" => self.shape_op(node)?,
            "StridedSlice" => self.strided_slice(node)?,
            "Pack" => self.pack(node)?,
            "Unpack" => self.unpack(node)?,
            "ExpandDims" => self.expand_dims(node)?,
            "Squeeze" => self.squeeze(node)?,
            "ArgMax" | "ArgMin" => self.arg_max(node)?,
            "GatherNd" => self.gather_nd(node)?,
            "GatherV2" => self.gather(node)?,
            _ => {
                return Err(ConvertError::UnsupportedOp {
                    op: node.op.clone(),
                    node: node.name.clone(),
                });
            }
        };
        Ok(out)
    }

    fn placeholder(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let dtype_name = attr_type(node, "dtype").unwrap_or_default();
        let dtype = DType::from_tf(&dtype_name)
            .ok_or_else(|| unsupported(node, format!("dtype {dtype_name:?}")))?;
        let key = format!("{}:0", node.name);
        let endpoint = self
            .model
            .inputs
            .iter()
            .find(|e| tensor_key(&e.tensor) == key);
        let shape = node
            .attr
            .get("shape")
            .and_then(|a| a.shape.as_ref())
            .and_then(super::tfjs::ShapeJson::dims)
            .or_else(|| endpoint.and_then(|e| e.shape.clone()));
        // Sizes the file declares feed the converter's shape arithmetic:
        // anything past what a tensor could hold is refused here, once.
        if let Some(d) = shape
            .iter()
            .flatten()
            .flatten()
            .find(|&&d| !(0..=MAX_DIM).contains(&d))
        {
            return Err(unsupported(node, format!("input size {d}")));
        }
        let name = match endpoint {
            Some(e) => e.name.clone(),
            None => self.b.unique(&node.name),
        };
        self.graph_inputs.push(ValueInfoProto::tensor(
            &name,
            dtype.onnx(),
            shape.as_deref(),
        ));
        Ok(vec![Value::computed(dtype, shape, Layout::Tf, name)])
    }

    fn constant(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let tensor =
            self.model
                .weights
                .get(&node.name)
                .ok_or_else(|| ConvertError::MissingWeight {
                    node: node.name.clone(),
                })?;
        let dtype = match tensor.data {
            TensorData::F32(_) => DType::F32,
            TensorData::I32(_) => DType::I32,
            TensorData::Bool(_) => DType::Bool,
        };
        Ok(vec![Value {
            dtype,
            shape: Some(tensor.shape.iter().map(|&d| Some(d as i64)).collect()),
            tf: None,
            nchw: None,
            konst: Some(Rc::new(tensor.clone())),
            const_name: node.name.clone(),
        }])
    }
}

#[cfg(test)]
mod tests;
