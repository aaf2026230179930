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

    /// Layout for a one-input op that works in either layout.
    fn unary_layout(&self, key: &str) -> Result<Layout, ConvertError> {
        let v = self.value(key)?;
        Ok(if self.options.keep_nchw && v.nchw.is_some() {
            Layout::Nchw
        } else {
            Layout::Tf
        })
    }

    fn cast(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let to_name = attr_type(node, "DstT").unwrap_or_default();
        let to = DType::from_tf(&to_name)
            .ok_or_else(|| unsupported(node, format!("DstT {to_name:?}")))?;
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        if input.dtype == to {
            return Ok(vec![input]);
        }
        let layout = self.unary_layout(&key)?;
        let x = self.name_in(&key, layout)?;
        let y = self.b.node1(
            "Cast",
            vec![x],
            vec![AttributeProto::int("to", i64::from(to.onnx()))],
            &node.name,
        );
        Ok(vec![Value::computed(to, input.shape, layout, y)])
    }

    fn unary(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let layout = self.unary_layout(&key)?;
        let x = self.name_in(&key, layout)?;
        let name = node.name.as_str();
        let y = match node.op.as_str() {
            "Relu6" => {
                let lo = self.b.shared_scalar_f32(0.0);
                let hi = self.b.shared_scalar_f32(6.0);
                self.b.node1("Clip", vec![x, lo, hi], vec![], name)
            }
            "Rsqrt" => {
                let s = self
                    .b
                    .node1("Sqrt", vec![x], vec![], &format!("{name}/sqrt"));
                self.b.node1("Reciprocal", vec![s], vec![], name)
            }
            "Square" => self.b.node1("Mul", vec![x.clone(), x], vec![], name),
            "LogicalNot" => self.b.node1("Not", vec![x], vec![], name),
            op => self.b.node1(op, vec![x], vec![], name),
        };
        Ok(vec![Value::computed(input.dtype, input.shape, layout, y)])
    }

    fn binary(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let keys = Self::data_keys(node);
        if keys.len() != 2 {
            return Err(unsupported(node, format!("input count {}", keys.len())));
        }
        let a = self.value(&keys[0])?.clone();
        let b_val = self.value(&keys[1])?.clone();
        let layout = self.pick_layout(&keys)?;
        let x = self.name_in(&keys[0], layout)?;
        let y = self.name_in(&keys[1], layout)?;
        let shape = broadcast(a.shape.as_ref(), b_val.shape.as_ref());
        let name = node.name.as_str();
        let mut dtype = a.dtype;
        let out = match node.op.as_str() {
            "AddV2" | "Add" => self.b.node1("Add", vec![x, y], vec![], name),
            "Sub" => self.b.node1("Sub", vec![x, y], vec![], name),
            "Mul" => self.b.node1("Mul", vec![x, y], vec![], name),
            "RealDiv" => self.b.node1("Div", vec![x, y], vec![], name),
            "Div" => {
                if a.dtype != DType::F32 {
                    return Err(unsupported(
                        node,
                        "integer Div (truncating); only float is handled",
                    ));
                }
                self.b.node1("Div", vec![x, y], vec![], name)
            }
            "Maximum" => self.b.node1("Max", vec![x, y], vec![], name),
            "Minimum" => self.b.node1("Min", vec![x, y], vec![], name),
            "Pow" => self.b.node1("Pow", vec![x, y], vec![], name),
            "SquaredDifference" => {
                let d = self
                    .b
                    .node1("Sub", vec![x, y], vec![], &format!("{name}/diff"));
                self.b.node1("Mul", vec![d.clone(), d], vec![], name)
            }
            "FloorDiv" => self.floor_div(x, y, a.dtype, name),
            cmp => {
                dtype = DType::Bool;
                match cmp {
                    "Less" => self.b.node1("Less", vec![x, y], vec![], name),
                    "LessEqual" => self.b.node1("LessOrEqual", vec![x, y], vec![], name),
                    "Greater" => self.b.node1("Greater", vec![x, y], vec![], name),
                    "GreaterEqual" => self.b.node1("GreaterOrEqual", vec![x, y], vec![], name),
                    "Equal" => self.b.node1("Equal", vec![x, y], vec![], name),
                    "NotEqual" => {
                        let e = self
                            .b
                            .node1("Equal", vec![x, y], vec![], &format!("{name}/eq"));
                        self.b.node1("Not", vec![e], vec![], name)
                    }
                    "LogicalAnd" => self.b.node1("And", vec![x, y], vec![], name),
                    _ => self.b.node1("Or", vec![x, y], vec![], name),
                }
            }
        };
        Ok(vec![Value::computed(dtype, shape, layout, out)])
    }

    /// TensorFlow's `FloorDiv` rounds towards negative infinity; ONNX integer
    /// Div truncates, so the quotient is lowered by one when the remainder is
    /// non-zero and the operands' signs differ.
    fn floor_div(&mut self, x: String, y: String, dtype: DType, name: &str) -> String {
        if dtype == DType::F32 {
            let q = self
                .b
                .node1("Div", vec![x, y], vec![], &format!("{name}/div"));
            return self.b.node1("Floor", vec![q], vec![], name);
        }
        let zero = self.b.shared_scalar_int(0, dtype);
        let q = self.b.node1(
            "Div",
            vec![x.clone(), y.clone()],
            vec![],
            &format!("{name}/trunc"),
        );
        let qy = self.b.node1(
            "Mul",
            vec![q.clone(), y.clone()],
            vec![],
            &format!("{name}/qy"),
        );
        let r = self
            .b
            .node1("Sub", vec![x, qy], vec![], &format!("{name}/rem"));
        let r_zero = self.b.node1(
            "Equal",
            vec![r.clone(), zero.clone()],
            vec![],
            &format!("{name}/rem_zero"),
        );
        let r_nonzero = self
            .b
            .node1("Not", vec![r_zero], vec![], &format!("{name}/rem_nonzero"));
        let r_neg = self.b.node1(
            "Less",
            vec![r, zero.clone()],
            vec![],
            &format!("{name}/rem_neg"),
        );
        let y_neg = self
            .b
            .node1("Less", vec![y, zero], vec![], &format!("{name}/y_neg"));
        let signs = self.b.node1(
            "Xor",
            vec![r_neg, y_neg],
            vec![],
            &format!("{name}/signs_differ"),
        );
        let fix = self.b.node1(
            "And",
            vec![r_nonzero, signs],
            vec![],
            &format!("{name}/needs_fix"),
        );
        let fix = self.b.node1(
            "Cast",
            vec![fix],
            vec![AttributeProto::int("to", i64::from(dtype.onnx()))],
            &format!("{name}/fix"),
        );
        self.b.node1("Sub", vec![q, fix], vec![], name)
    }

    fn add_n(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let keys = Self::data_keys(node);
        let first = self
            .value(
                keys.first()
                    .ok_or_else(|| unsupported(node, "input count 0"))?,
            )?
            .clone();
        let layout = self.pick_layout(&keys)?;
        let mut names = Vec::new();
        let mut shape = first.shape.clone();
        for key in &keys {
            names.push(self.name_in(key, layout)?);
            shape = broadcast(shape.as_ref(), self.value(key)?.shape.as_ref());
        }
        let y = self.b.node1("Sum", names, vec![], &node.name);
        Ok(vec![Value::computed(first.dtype, shape, layout, y)])
    }

    /// Strides and dilations of an NHWC op as (h, w) pairs.
    fn spatial_pair(node: &NodeDef, name: &str) -> Result<(i64, i64), ConvertError> {
        match attr_ints(node, name)?.as_deref() {
            None | Some([]) => Ok((1, 1)),
            Some([1, h, w, 1]) => Ok((*h, *w)),
            Some(other) => Err(unsupported(node, format!("{name} {other:?}"))),
        }
    }

    /// ONNX pads [top, left, bottom, right] and whether padding is SAME.
    fn spatial_pads(
        node: &NodeDef,
        input: Option<&Dims>,
        kernel: (i64, i64),
        stride: (i64, i64),
        dilation: (i64, i64),
    ) -> Result<(Vec<i64>, bool), ConvertError> {
        let padding = attr_str(node, "padding")?.unwrap_or_default();
        match padding.as_str() {
            "VALID" => Ok((vec![0; 4], false)),
            "SAME" => {
                let dim = |i: usize| input.and_then(|s| s.get(i).copied().flatten());
                let (Some((t, b)), Some((l, r))) = (
                    same_padding(dim(1), kernel.0, stride.0, dilation.0),
                    same_padding(dim(2), kernel.1, stride.1, dilation.1),
                ) else {
                    return Err(unsupported(
                        node,
                        "SAME padding with stride > 1 on an input of unknown size",
                    ));
                };
                Ok((vec![t, l, b, r], true))
            }
            other => Err(unsupported(node, format!("padding {other:?}"))),
        }
    }

    fn conv(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        check_nhwc(node)?;
        let depthwise = node.op.contains("Depthwise");
        let fused = node.op.starts_with("_Fused") || node.op.starts_with("Fused");
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let filter = self.const_input(node, 1)?;
        if !matches!(filter.data, TensorData::F32(_)) {
            return Err(unsupported(node, "non-float filter"));
        }
        let [kh, kw, ci, co] = filter.shape[..] else {
            return Err(unsupported(
                node,
                format!("filter shape {:?}", filter.shape),
            ));
        };
        let stride = Self::spatial_pair(node, "strides")?;
        let dilation = Self::spatial_pair(node, "dilations")?;
        let (pads, same) = Self::spatial_pads(
            node,
            input.shape.as_ref(),
            (kh as i64, kw as i64),
            stride,
            dilation,
        )?;

        let (has_bias, activation) = fused_epilogue(node, fused)?;

        let weight_key = Self::input_key(node, 1)?;
        let (out_channels, group) = if depthwise {
            (ci * co, ci)
        } else {
            let in_channels = input
                .shape
                .as_ref()
                .and_then(|s| s.get(3).copied().flatten());
            let group = match in_channels {
                Some(c) if c as usize != ci && ci > 0 && (c as usize).is_multiple_of(ci) => {
                    c as usize / ci
                }
                _ => 1,
            };
            (co, group)
        };
        let weight = self.conv_weight(node, &weight_key, &filter, depthwise)?;
        let x = self.name_in(&key, Layout::Nchw)?;
        let mut inputs = vec![x, weight];
        if has_bias {
            let bias_key = Self::input_key(node, 2)?;
            inputs.push(self.name_in(&bias_key, Layout::Tf)?);
        }
        let mut attrs = vec![
            AttributeProto::ints("dilations", &[dilation.0, dilation.1]),
            AttributeProto::int("group", group as i64),
            AttributeProto::ints("kernel_shape", &[kh as i64, kw as i64]),
            AttributeProto::ints("pads", &pads),
            AttributeProto::ints("strides", &[stride.0, stride.1]),
        ];
        attrs.sort_by(|a, b| a.name.cmp(&b.name));
        let name = node.name.as_str();
        let conv_name = if activation.is_some() {
            format!("{name}/conv")
        } else {
            name.to_owned()
        };
        let mut y = self.b.node1("Conv", inputs, attrs, &conv_name);
        if let Some(act) = activation {
            y = self.activation(node, act, y);
        }
        let shape = input.shape.as_ref().map(|s| {
            vec![
                s.first().copied().flatten(),
                conv_out(
                    s.get(1).copied().flatten(),
                    kh as i64,
                    stride.0,
                    dilation.0,
                    same,
                ),
                conv_out(
                    s.get(2).copied().flatten(),
                    kw as i64,
                    stride.1,
                    dilation.1,
                    same,
                ),
                Some(out_channels as i64),
            ]
        });
        Ok(vec![Value::computed(DType::F32, shape, Layout::Nchw, y)])
    }

    /// The ONNX weight for a TensorFlow filter, converted once per constant.
    /// HWIO becomes OIHW; a depthwise HW(C)(M) filter becomes (C*M) 1 H W with
    /// output channel c*M + m, which is how TensorFlow orders them.
    fn conv_weight(
        &mut self,
        node: &NodeDef,
        weight_key: &str,
        filter: &ConstTensor,
        depthwise: bool,
    ) -> Result<String, ConvertError> {
        let kind = if depthwise { "dw" } else { "oihw" };
        if let Some(name) = self.weight_cache.get(&(weight_key.to_owned(), kind)) {
            return Ok(name.clone());
        }
        let (TensorData::F32(w), &[kh, kw, ci, co]) = (&filter.data, &filter.shape[..]) else {
            return Err(unsupported(
                node,
                format!("filter of shape {:?}", filter.shape),
            ));
        };
        let mut out = vec![0f32; w.len()];
        let (o_dim, i_dim) = if depthwise { (ci * co, 1) } else { (co, ci) };
        for h in 0..kh {
            for x in 0..kw {
                for i in 0..ci {
                    for o in 0..co {
                        let src = ((h * kw + x) * ci + i) * co + o;
                        let (oo, ii) = if depthwise { (i * co + o, 0) } else { (o, i) };
                        out[((oo * i_dim + ii) * kh + h) * kw + x] = w[src];
                    }
                }
            }
        }
        let raw = out.iter().flat_map(|v| v.to_le_bytes()).collect();
        let dims = [o_dim as i64, i_dim as i64, kh as i64, kw as i64];
        let name = self
            .b
            .initializer(&format!("{weight_key}/onnx"), &dims, DType::F32, raw);
        self.weight_cache
            .insert((weight_key.to_owned(), kind), name.clone());
        Ok(name)
    }

    /// The activation of a fused convolution, applied to `y`.
    fn activation(&mut self, node: &NodeDef, act: &str, y: String) -> String {
        let name = node.name.as_str();
        match act {
            "Relu6" => {
                let lo = self.b.shared_scalar_f32(0.0);
                let hi = self.b.shared_scalar_f32(6.0);
                self.b.node1("Clip", vec![y, lo, hi], vec![], name)
            }
            "LeakyRelu" => {
                let alpha = node
                    .attr
                    .get("leakyrelu_alpha")
                    .and_then(|a| a.f.as_ref())
                    .and_then(serde_json::Value::as_f64)
                    .unwrap_or(0.2);
                self.b.node1(
                    "LeakyRelu",
                    vec![y],
                    vec![AttributeProto::float("alpha", alpha as f32)],
                    name,
                )
            }
            op => self.b.node1(op, vec![y], vec![], name),
        }
    }

    fn pool(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        check_nhwc(node)?;
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let kernel = Self::spatial_pair(node, "ksize")?;
        let stride = Self::spatial_pair(node, "strides")?;
        let (pads, same) = Self::spatial_pads(node, input.shape.as_ref(), kernel, stride, (1, 1))?;
        let x = self.name_in(&key, Layout::Nchw)?;
        let attrs = vec![
            AttributeProto::ints("kernel_shape", &[kernel.0, kernel.1]),
            AttributeProto::ints("pads", &pads),
            AttributeProto::ints("strides", &[stride.0, stride.1]),
        ];
        // AvgPool: ONNX's default count_include_pad=0 matches TensorFlow,
        // which averages over the valid pixels only.
        // Known ONNX Runtime hazard: its PadFusion folds a zero Pad into a
        // following MaxPool, whose pads act as -inf, which is wrong for
        // negative inputs. None of the pose graphs has Pad -> MaxPool (their
        // pads feed convolutions, where the fusion is exact).
        let op = if node.op == "MaxPool" {
            "MaxPool"
        } else {
            "AveragePool"
        };
        let y = self.b.node1(op, vec![x], attrs, &node.name);
        let shape = input.shape.as_ref().map(|s| {
            vec![
                s.first().copied().flatten(),
                conv_out(s.get(1).copied().flatten(), kernel.0, stride.0, 1, same),
                conv_out(s.get(2).copied().flatten(), kernel.1, stride.1, 1, same),
                s.get(3).copied().flatten(),
            ]
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Nchw, y)])
    }

    fn resize(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let size = self.const_ints(node, 1)?;
        let [out_h, out_w] = size[..] else {
            return Err(unsupported(node, format!("size {size:?}")));
        };
        let align_corners = attr_bool(node, "align_corners").unwrap_or(false);
        let half_pixel = attr_bool(node, "half_pixel_centers").unwrap_or(false);
        let mode = match (align_corners, half_pixel) {
            (false, true) => "half_pixel",
            (true, false) => "align_corners",
            (false, false) => "asymmetric",
            (true, true) => {
                return Err(unsupported(
                    node,
                    "align_corners together with half_pixel_centers",
                ));
            }
        };
        let in_hw = input
            .shape
            .as_ref()
            .and_then(|s| Some((s.get(1).copied().flatten()?, s.get(2).copied().flatten()?)));
        let x = self.name_in(&key, Layout::Nchw)?;
        let name = node.name.as_str();
        let inputs = if let Some((in_h, in_w)) = in_hw.filter(|&(h, w)| h > 0 && w > 0) {
            let scales = [
                1.0,
                1.0,
                out_h as f32 / in_h as f32,
                out_w as f32 / in_w as f32,
            ];
            let scales = self.b.floats(&format!("{name}/scales"), &scales);
            vec![x, String::new(), scales]
        } else {
            // Unknown input size: sizes = Shape(x)[0:2] ++ [out_h, out_w].
            let shape = self
                .b
                .node1("Shape", vec![x.clone()], vec![], &format!("{name}/shape"));
            let starts = self.b.ints(&format!("{name}/starts"), &[0]);
            let ends = self.b.ints(&format!("{name}/ends"), &[2]);
            let nc = self.b.node1(
                "Slice",
                vec![shape, starts, ends],
                vec![],
                &format!("{name}/nc"),
            );
            let hw = self.b.ints(&format!("{name}/hw"), &[out_h, out_w]);
            let sizes = self.b.node1(
                "Concat",
                vec![nc, hw],
                vec![AttributeProto::int("axis", 0)],
                &format!("{name}/sizes"),
            );
            vec![x, String::new(), String::new(), sizes]
        };
        let attrs = vec![
            AttributeProto::string("coordinate_transformation_mode", mode),
            AttributeProto::string("mode", "linear"),
        ];
        let y = self.b.node1("Resize", inputs, attrs, name);
        let shape = input.shape.as_ref().map(|s| {
            vec![
                s.first().copied().flatten(),
                Some(out_h),
                Some(out_w),
                s.get(3).copied().flatten(),
            ]
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Nchw, y)])
    }

    fn depth_to_space(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        check_nhwc(node)?;
        let block =
            attr_int(node, "block_size").ok_or_else(|| unsupported(node, "missing block_size"))?;
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let x = self.name_in(&key, Layout::Nchw)?;
        // TensorFlow's NHWC DepthToSpace reads depth as (block_y, block_x, c),
        // which is ONNX's DCR mode on NCHW.
        let attrs = vec![
            AttributeProto::int("blocksize", block),
            AttributeProto::string("mode", "DCR"),
        ];
        let y = self.b.node1("DepthToSpace", vec![x], attrs, &node.name);
        let shape = input.shape.as_ref().map(|s| {
            let at = |i: usize| s.get(i).copied().flatten();
            vec![
                at(0),
                at(1).map(|v| v * block),
                at(2).map(|v| v * block),
                at(3).map(|v| v / (block * block)),
            ]
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Nchw, y)])
    }

    fn pad(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let paddings = self.const_ints(node, 1)?;
        let rank = paddings.len() / 2;
        if paddings.len() % 2 != 0 || input.rank().is_some_and(|r| r != rank) {
            return Err(unsupported(node, format!("paddings {paddings:?}")));
        }
        if paddings.iter().any(|&p| p < 0) {
            return Err(unsupported(node, format!("negative paddings {paddings:?}")));
        }
        let mode = match node.op.as_str() {
            "MirrorPad" => match attr_str(node, "mode")?.as_deref() {
                Some("REFLECT") => "reflect",
                other => return Err(unsupported(node, format!("mode {other:?}"))),
            },
            _ => "constant",
        };
        let layout = if rank == 4 {
            self.unary_layout(&key)?
        } else {
            Layout::Tf
        };
        let order: Vec<usize> = match layout {
            Layout::Tf => (0..rank).collect(),
            Layout::Nchw => TO_NCHW.iter().map(|&a| a as usize).collect(),
        };
        let mut pads: Vec<i64> = order.iter().map(|&a| paddings[2 * a]).collect();
        pads.extend(order.iter().map(|&a| paddings[2 * a + 1]));
        let x = self.name_in(&key, layout)?;
        let name = node.name.as_str();
        let pads_name = self.b.ints(&format!("{name}/pads"), &pads);
        let mut inputs = vec![x, pads_name];
        if node.op == "PadV2" {
            let value_key = Self::input_key(node, 2)?;
            inputs.push(self.name_in(&value_key, Layout::Tf)?);
        }
        let y = self.b.node1(
            "Pad",
            inputs,
            vec![AttributeProto::string("mode", mode)],
            name,
        );
        let shape = input.shape.as_ref().map(|s| {
            s.iter()
                .enumerate()
                .map(|(i, d)| d.map(|d| d + paddings[2 * i] + paddings[2 * i + 1]))
                .collect()
        });
        Ok(vec![Value::computed(input.dtype, shape, layout, y)])
    }

    fn concat(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let mut keys = Self::data_keys(node);
        if keys.len() < 2 {
            return Err(unsupported(node, format!("input count {}", keys.len())));
        }
        let axis = if node.op == "ConcatV2" {
            let axis = self.const_scalar_int(node, keys.len() - 1)?;
            keys.pop();
            axis
        } else {
            let axis = self.const_scalar_int(node, 0)?;
            keys.remove(0);
            axis
        };
        let first = self.value(&keys[0])?.clone();
        let axis = norm_axis(node, axis, first.rank())?;
        let mut names = Vec::new();
        let mut shape = first.shape.clone();
        for (i, key) in keys.iter().enumerate() {
            names.push(self.name_in(key, Layout::Tf)?);
            if i > 0 {
                let other = self.value(key)?.shape.clone();
                shape = match (shape, other) {
                    (Some(mut s), Some(o)) if s.len() == o.len() && (axis as usize) < s.len() => {
                        let a = axis as usize;
                        s[a] = s[a].zip(o[a]).map(|(x, y)| x + y);
                        Some(s)
                    }
                    _ => None,
                };
            }
        }
        let y = self.b.node1(
            "Concat",
            names,
            vec![AttributeProto::int("axis", axis)],
            &node.name,
        );
        Ok(vec![Value::computed(first.dtype, shape, Layout::Tf, y)])
    }

    fn reshape(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let shape_key = Self::input_key(node, 1)?;
        let shape_value = self.value(&shape_key)?.clone();
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let (shape_name, out_shape) = if let Some(k) = &shape_value.konst {
            let dims = k
                .as_ints()
                .ok_or_else(|| unsupported(node, "non-integer shape"))?;
            let total: Option<i64> = input
                .shape
                .as_ref()
                .and_then(|s| s.iter().copied().product());
            let known: i64 = dims.iter().filter(|&&d| d != -1).product();
            let out = dims
                .iter()
                .map(|&d| {
                    if d == -1 {
                        total.filter(|_| known > 0).map(|t| t / known)
                    } else {
                        Some(d)
                    }
                })
                .collect();
            (self.b.ints(&format!("{name}/shape"), &dims), Some(out))
        } else {
            let s = self.name_in(&shape_key, Layout::Tf)?;
            let cast = self.b.node1(
                "Cast",
                vec![s],
                vec![AttributeProto::int("to", i64::from(DType::I64.onnx()))],
                &format!("{name}/shape64"),
            );
            let rank = shape_value
                .shape
                .as_ref()
                .and_then(|s| s.first().copied().flatten());
            (cast, rank.map(|r| vec![None; r as usize]))
        };
        let y = self.b.node1("Reshape", vec![x, shape_name], vec![], name);
        Ok(vec![Value::computed(input.dtype, out_shape, Layout::Tf, y)])
    }

    fn shape_op(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let out_type = attr_type(node, "out_type").unwrap_or_else(|| "DT_INT32".to_owned());
        let dtype = DType::from_tf(&out_type)
            .filter(|d| matches!(d, DType::I32 | DType::I64))
            .ok_or_else(|| unsupported(node, format!("out_type {out_type:?}")))?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let mut y = self
            .b
            .node1("Shape", vec![x], vec![], &format!("{name}/int64"));
        if dtype == DType::I32 {
            y = self.b.node1(
                "Cast",
                vec![y],
                vec![AttributeProto::int("to", i64::from(DType::I32.onnx()))],
                name,
            );
        }
        let shape = input.rank().map(|r| vec![Some(r as i64)]);
        Ok(vec![Value::computed(dtype, shape, Layout::Tf, y)])
    }

    fn strided_slice(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        for mask in ["ellipsis_mask", "new_axis_mask"] {
            if attr_int(node, mask).unwrap_or(0) != 0 {
                return Err(unsupported(
                    node,
                    format!("{mask} {}", attr_int(node, mask).unwrap_or(0)),
                ));
            }
        }
        let begin_mask = attr_int(node, "begin_mask").unwrap_or(0);
        let end_mask = attr_int(node, "end_mask").unwrap_or(0);
        let shrink_mask = attr_int(node, "shrink_axis_mask").unwrap_or(0);
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let begin = self.const_ints(node, 1)?;
        let end = self.const_ints(node, 2)?;
        let strides = self.const_ints(node, 3)?;
        if begin.len() != end.len() || begin.len() != strides.len() || begin.len() > 32 {
            return Err(unsupported(node, "begin/end/strides of different lengths"));
        }
        let (mut starts, mut ends, mut axes, mut steps, mut shrink_axes) =
            (vec![], vec![], vec![], vec![], vec![]);
        for i in 0..begin.len() {
            let bit = 1i64 << i;
            let step = strides[i];
            if step == 0 {
                return Err(unsupported(node, "stride 0"));
            }
            let (s, e, st) = if shrink_mask & bit != 0 {
                shrink_axes.push(i as i64);
                let b = begin[i];
                (b, if b == -1 { i64::MAX } else { b + 1 }, 1)
            } else {
                let s = if begin_mask & bit != 0 {
                    if step > 0 { 0 } else { i64::MAX }
                } else {
                    begin[i]
                };
                let e = if end_mask & bit != 0 {
                    if step > 0 { i64::MAX } else { i64::MIN }
                } else {
                    end[i]
                };
                (s, e, step)
            };
            starts.push(s);
            ends.push(e);
            axes.push(i as i64);
            steps.push(st);
        }
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let inputs = vec![
            x,
            self.b.ints(&format!("{name}/starts"), &starts),
            self.b.ints(&format!("{name}/ends"), &ends),
            self.b.ints(&format!("{name}/axes"), &axes),
            self.b.ints(&format!("{name}/steps"), &steps),
        ];
        let slice_name = if shrink_axes.is_empty() {
            name.to_owned()
        } else {
            format!("{name}/slice")
        };
        let mut y = self.b.node1("Slice", inputs, vec![], &slice_name);
        if !shrink_axes.is_empty() {
            let axes_name = self.b.ints(&format!("{name}/shrink_axes"), &shrink_axes);
            y = self.b.node1("Squeeze", vec![y, axes_name], vec![], name);
        }
        let shape = input.shape.as_ref().map(|s| {
            s.iter()
                .enumerate()
                .filter(|(i, _)| !shrink_axes.contains(&(*i as i64)))
                .map(|(i, d)| {
                    if i < starts.len() {
                        d.map(|d| slice_len(d, starts[i], ends[i], steps[i]))
                    } else {
                        *d
                    }
                })
                .collect()
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Tf, y)])
    }

    fn pack(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let keys = Self::data_keys(node);
        let first = self
            .value(
                keys.first()
                    .ok_or_else(|| unsupported(node, "input count 0"))?,
            )?
            .clone();
        let axis = attr_int(node, "axis").unwrap_or(0);
        let axis = norm_axis(node, axis, first.rank().map(|r| r + 1))?;
        let name = node.name.as_str();
        let axes_name = self.b.ints(&format!("{name}/axes"), &[axis]);
        let mut parts = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            let x = self.name_in(key, Layout::Tf)?;
            let base = if keys.len() == 1 {
                name.to_owned()
            } else {
                format!("{name}/expand_{i}")
            };
            parts.push(
                self.b
                    .node1("Unsqueeze", vec![x, axes_name.clone()], vec![], &base),
            );
        }
        let y = if parts.len() == 1 {
            parts.pop().unwrap_or_default()
        } else {
            self.b.node1(
                "Concat",
                parts,
                vec![AttributeProto::int("axis", axis)],
                name,
            )
        };
        let shape = first.shape.as_ref().map(|s| {
            let mut s = s.clone();
            s.insert((axis as usize).min(s.len()), Some(keys.len() as i64));
            s
        });
        Ok(vec![Value::computed(first.dtype, shape, Layout::Tf, y)])
    }

    fn unpack(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let num = attr_int(node, "num").ok_or_else(|| unsupported(node, "missing num"))?;
        let axis = norm_axis(node, attr_int(node, "axis").unwrap_or(0), input.rank())?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let axes_name = self.b.ints(&format!("{name}/axes"), &[axis]);
        let pieces = if num == 1 {
            vec![x]
        } else {
            self.b.node(
                "Split",
                vec![x],
                num as usize,
                vec![AttributeProto::int("axis", axis)],
                &format!("{name}/split"),
            )
        };
        let shape = input.shape.as_ref().map(|s| {
            let mut s = s.clone();
            if (axis as usize) < s.len() {
                s.remove(axis as usize);
            }
            s
        });
        let mut out = Vec::new();
        for (k, piece) in pieces.into_iter().enumerate() {
            let base = if k == 0 {
                name.to_owned()
            } else {
                format!("{name}:{k}")
            };
            let y = self
                .b
                .node1("Squeeze", vec![piece, axes_name.clone()], vec![], &base);
            out.push(Value::computed(input.dtype, shape.clone(), Layout::Tf, y));
        }
        Ok(out)
    }

    fn expand_dims(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let dim = self.const_scalar_int(node, 1)?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        // TF and ONNX both read a negative axis against the output rank.
        let axes = self.b.ints(&format!("{name}/axes"), &[dim]);
        let y = self.b.node1("Unsqueeze", vec![x, axes], vec![], name);
        let shape = input.shape.as_ref().and_then(|s| {
            let rank = s.len() as i64 + 1;
            let a = if dim < 0 { dim + rank } else { dim };
            (0..rank).contains(&a).then(|| {
                let mut s = s.clone();
                s.insert(a as usize, Some(1));
                s
            })
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Tf, y)])
    }

    fn squeeze(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let dims = match attr_ints(node, "squeeze_dims")? {
            Some(d) => d,
            None => attr_ints(node, "axis")?.unwrap_or_default(),
        };
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        let mut inputs = vec![x];
        if !dims.is_empty() {
            inputs.push(self.b.ints(&format!("{name}/axes"), &dims));
        }
        let y = self.b.node1("Squeeze", inputs, vec![], name);
        let shape = input.shape.as_ref().and_then(|s| {
            let rank = s.len() as i64;
            if dims.is_empty() {
                s.iter()
                    .all(Option::is_some)
                    .then(|| s.iter().filter(|d| **d != Some(1)).copied().collect())
            } else {
                let drop: Vec<i64> = dims
                    .iter()
                    .map(|&d| if d < 0 { d + rank } else { d })
                    .collect();
                Some(
                    s.iter()
                        .enumerate()
                        .filter(|(i, _)| !drop.contains(&(*i as i64)))
                        .map(|(_, d)| *d)
                        .collect(),
                )
            }
        });
        Ok(vec![Value::computed(input.dtype, shape, Layout::Tf, y)])
    }

    fn arg_max(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let input = self.value(&key)?.clone();
        let axis = norm_axis(node, self.const_scalar_int(node, 1)?, input.rank())?;
        let out_type = attr_type(node, "output_type").unwrap_or_else(|| "DT_INT64".to_owned());
        let dtype = DType::from_tf(&out_type)
            .filter(|d| matches!(d, DType::I32 | DType::I64))
            .ok_or_else(|| unsupported(node, format!("output_type {out_type:?}")))?;
        let x = self.name_in(&key, Layout::Tf)?;
        let name = node.name.as_str();
        // select_last_index=0: the first maximum wins, as in TensorFlow.
        let attrs = vec![
            AttributeProto::int("axis", axis),
            AttributeProto::int("keepdims", 0),
        ];
        let onnx_op = if node.op == "ArgMax" {
            "ArgMax"
        } else {
            "ArgMin"
        };
        let mut y = self
            .b
            .node1(onnx_op, vec![x], attrs, &format!("{name}/int64"));
        if dtype == DType::I32 {
            y = self.b.node1(
                "Cast",
                vec![y],
                vec![AttributeProto::int("to", i64::from(DType::I32.onnx()))],
                name,
            );
        }
        let shape = input.shape.as_ref().map(|s| {
            let mut s = s.clone();
            if (axis as usize) < s.len() {
                s.remove(axis as usize);
            }
            s
        });
        Ok(vec![Value::computed(dtype, shape, Layout::Tf, y)])
    }

    /// int64 ONNX name of an index input (ONNX `GatherND` wants int64).
    fn indices_i64(&mut self, node: &NodeDef, k: usize) -> Result<String, ConvertError> {
        let key = Self::input_key(node, k)?;
        let dtype = self.value(&key)?.dtype;
        let x = self.name_in(&key, Layout::Tf)?;
        Ok(match dtype {
            DType::I64 => x,
            DType::I32 => self.b.node1(
                "Cast",
                vec![x],
                vec![AttributeProto::int("to", i64::from(DType::I64.onnx()))],
                &format!("{}/indices64", node.name),
            ),
            DType::F32 | DType::Bool => {
                return Err(unsupported(node, format!("indices of type {dtype:?}")));
            }
        })
    }

    fn gather_nd(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        let key = Self::input_key(node, 0)?;
        let params = self.value(&key)?.clone();
        let indices_shape = self.input(node, 1)?.shape.clone();
        let x = self.name_in(&key, Layout::Tf)?;
        let indices = self.indices_i64(node, 1)?;
        let y = self
            .b
            .node1("GatherND", vec![x, indices], vec![], &node.name);
        let shape = match (indices_shape, params.shape.as_ref()) {
            (Some(mut i), Some(p)) => i.pop().flatten().map(|k| {
                i.extend(p.iter().skip(k as usize).copied());
                i
            }),
            _ => None,
        };
        Ok(vec![Value::computed(params.dtype, shape, Layout::Tf, y)])
    }

    fn gather(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        if attr_int(node, "batch_dims").unwrap_or(0) != 0 {
            return Err(unsupported(node, "batch_dims other than 0"));
        }
        let key = Self::input_key(node, 0)?;
        let params = self.value(&key)?.clone();
        let indices_shape = self.input(node, 1)?.shape.clone();
        let axis = norm_axis(node, self.const_scalar_int(node, 2)?, params.rank())?;
        let data = self.name_in(&key, Layout::Tf)?;
        let indices = self.indices_i64(node, 1)?;
        let gathered = self.b.node1(
            "Gather",
            vec![data, indices],
            vec![AttributeProto::int("axis", axis)],
            &node.name,
        );
        let shape = match (indices_shape, params.shape.as_ref()) {
            (Some(i), Some(p)) if (axis as usize) < p.len() => {
                let a = axis as usize;
                Some(
                    p[..a]
                        .iter()
                        .chain(&i)
                        .chain(&p[a + 1..])
                        .copied()
                        .collect(),
                )
            }
            _ => None,
        };
        Ok(vec![Value::computed(
            params.dtype,
            shape,
            Layout::Tf,
            gathered,
        )])
    }
}

#[cfg(test)]
mod tests {
    //! One small graph per op family, with expected values worked out by
    //! hand (see the comments), run through ONNX Runtime.
    //!
    //! Base64 attribute strings used below: `U0FNRQ==` = `SAME`,
    //! `VkFMSUQ=` = `VALID`, `TkhXQw==` = `NHWC`, `Qmlhc0FkZA==` = `BiasAdd`,
    //! `UmVsdTY=` = `Relu6`.

    use ndarray::ArrayD;

    use super::super::tests::{Input, Weight, assert_close, convert_test_model, run};
    use super::*;

    fn placeholder(name: &str, dtype: &str, dims: &[i64]) -> String {
        let dims: Vec<String> = dims
            .iter()
            .map(|d| format!(r#"{{"size": "{d}"}}"#))
            .collect();
        format!(
            r#"{{"name": "{name}", "op": "Placeholder", "attr": {{"dtype": {{"type": "{dtype}"}},
                "shape": {{"shape": {{"dim": [{}]}}}}}}}}"#,
            dims.join(", ")
        )
    }

    fn image(shape: &[usize], values: Vec<f32>) -> Input {
        Input::F32(ArrayD::from_shape_vec(shape.to_vec(), values).expect("shape"))
    }

    #[test]
    fn same_padding_puts_the_odd_pixel_at_the_end() {
        assert_eq!(same_padding(Some(4), 3, 2, 1), Some((0, 1)));
        assert_eq!(same_padding(Some(5), 3, 2, 1), Some((1, 1)));
        assert_eq!(same_padding(Some(224), 5, 2, 1), Some((1, 2)));
        assert_eq!(same_padding(None, 3, 1, 1), Some((1, 1)));
        assert_eq!(same_padding(None, 3, 2, 1), None);
        assert_eq!(conv_out(Some(5), 3, 2, 1, false), Some(2));
        assert_eq!(slice_len(4, 1, i64::MAX, 1), 3);
        assert_eq!(slice_len(4, -1, i64::MIN, -1), 4);
    }

    #[test]
    fn conv_stride_2_same_4x4() {
        // x = 1..16 row-major in a 4x4, one channel; w = 1..9 in a 3x3.
        // SAME with stride 2 on 4 pixels pads 0 before and 1 after, so
        // out[0][0] = 1*1+2*2+3*3 + 4*5+5*6+6*7 + 7*9+8*10+9*11 = 348
        // out[0][1] = 1*3+2*4 + 4*7+5*8 + 7*11+8*12           = 252
        // out[1][0] = 1*9+2*10+3*11 + 4*13+5*14+6*15          = 274
        // out[1][1] = 1*11+2*12 + 4*15+5*16                   = 175
        let nodes = format!(
            r#"{}, {{"name": "conv", "op": "Conv2D", "input": ["x", "w"],
                "attr": {{"padding": {{"s": "U0FNRQ=="}}, "data_format": {{"s": "TkhXQw=="}},
                         "strides": {{"list": {{"i": ["1", "2", "2", "1"]}}}},
                         "dilations": {{"list": {{"i": ["1", "1", "1", "1"]}}}}}}}}"#,
            placeholder("x", "DT_FLOAT", &[1, 4, 4, 1])
        );
        let w = Weight::F32("w", vec![3, 3, 1, 1], (1..=9).map(|v| v as f32).collect());
        let bytes = convert_test_model(&nodes, &[w], &[("y", "conv:0")]);
        let x = image(&[1, 4, 4, 1], (1..=16).map(|v| v as f32).collect());
        let out = run(&bytes, vec![("x", x)]);
        let (shape, values) = out["y"].f32();
        assert_eq!(shape, [1, 2, 2, 1]);
        assert_close(values, &[348.0, 252.0, 274.0, 175.0]);
    }

    #[test]
    fn fused_conv_bias_relu6_keeps_hwio_channel_order() {
        // 1x1 conv, 2 -> 2 channels. HWIO [0][0][i][o] = [[1, -3], [2, 4]]:
        // o0 = c0 + 2 c1 + 0.5, o1 = -3 c0 + 4 c1 - 1, then Relu6.
        // pixel (1, 2): o0 = 5.5, o1 = 4;  pixel (3, 2): o0 = 7.5 -> 6, o1 = -2 -> 0.
        let nodes = format!(
            r#"{}, {{"name": "conv", "op": "_FusedConv2D", "input": ["x", "w", "b"],
                "attr": {{"padding": {{"s": "VkFMSUQ="}}, "num_args": {{"i": "1"}},
                         "strides": {{"list": {{"i": ["1", "1", "1", "1"]}}}},
                         "fused_ops": {{"list": {{"s": ["Qmlhc0FkZA==", "UmVsdTY="]}}}}}}}}"#,
            placeholder("x", "DT_FLOAT", &[1, 1, 2, 2])
        );
        let weights = [
            Weight::F32("w", vec![1, 1, 2, 2], vec![1.0, -3.0, 2.0, 4.0]),
            Weight::F32("b", vec![2], vec![0.5, -1.0]),
        ];
        let bytes = convert_test_model(&nodes, &weights, &[("y", "conv:0")]);
        let out = run(
            &bytes,
            vec![("x", image(&[1, 1, 2, 2], vec![1.0, 2.0, 3.0, 2.0]))],
        );
        assert_close(out["y"].f32().1, &[5.5, 4.0, 6.0, 0.0]);
    }

    #[test]
    fn depthwise_valid_maps_hwc1_filters_per_channel() {
        // Channel 0 = [[1,2,3],[4,5,6]] with kernel [[1,0],[0,1]]: 1+5, 2+6.
        // Channel 1 = [[10,20,30],[40,50,60]] with kernel [[0,1],[-2,0]]:
        // 20-80, 30-100.
        let nodes = format!(
            r#"{}, {{"name": "dw", "op": "DepthwiseConv2dNative", "input": ["x", "w"],
                "attr": {{"padding": {{"s": "VkFMSUQ="}}, "strides": {{"list": {{"i": ["1", "1", "1", "1"]}}}}}}}}"#,
            placeholder("x", "DT_FLOAT", &[1, 2, 3, 2])
        );
        // HWC1 order: [h][w][c].
        let w = Weight::F32(
            "w",
            vec![2, 2, 2, 1],
            vec![1.0, 0.0, 0.0, 1.0, 0.0, -2.0, 1.0, 0.0],
        );
        let bytes = convert_test_model(&nodes, &[w], &[("y", "dw:0")]);
        let x = vec![
            1.0, 10.0, 2.0, 20.0, 3.0, 30.0, 4.0, 40.0, 5.0, 50.0, 6.0, 60.0,
        ];
        let out = run(&bytes, vec![("x", image(&[1, 2, 3, 2], x))]);
        let (shape, values) = out["y"].f32();
        assert_eq!(shape, [1, 1, 2, 2]);
        assert_close(values, &[6.0, -60.0, 8.0, -70.0]);
    }

    #[test]
    fn fused_depthwise_stride_2_same_with_bias() {
        // 3x3 input (one channel, values 1..9), 3x3 kernel of ones, stride 2,
        // SAME: out 2x2, pads 1 before and 1 after. Bias 100.
        // out[0][0] = 1+2+4+5 = 12; out[0][1] = 2+3+5+6 = 16;
        // out[1][0] = 4+5+7+8 = 24; out[1][1] = 5+6+8+9 = 28.
        let nodes = format!(
            r#"{}, {{"name": "dw", "op": "FusedDepthwiseConv2dNative", "input": ["x", "w", "b"],
                "attr": {{"padding": {{"s": "U0FNRQ=="}}, "strides": {{"list": {{"i": ["1", "2", "2", "1"]}}}},
                         "fused_ops": {{"list": {{"s": ["Qmlhc0FkZA=="]}}}}}}}}"#,
            placeholder("x", "DT_FLOAT", &[1, 3, 3, 1])
        );
        let weights = [
            Weight::F32("w", vec![3, 3, 1, 1], vec![1.0; 9]),
            Weight::F32("b", vec![1], vec![100.0]),
        ];
        let bytes = convert_test_model(&nodes, &weights, &[("y", "dw:0")]);
        let out = run(
            &bytes,
            vec![(
                "x",
                image(&[1, 3, 3, 1], (1..=9).map(|v| v as f32).collect()),
            )],
        );
        assert_close(out["y"].f32().1, &[112.0, 116.0, 124.0, 128.0]);
    }

    #[test]
    fn resize_bilinear_half_pixel() {
        // 2x2 [[0,4],[8,12]] -> 4x4. Half-pixel centres sample at
        // -0.25 (clamped), 0.25, 0.75, 1.25 (clamped), so each row is
        // [a, .75a+.25b, .25a+.75b, b] and the same down the columns.
        let nodes = format!(
            r#"{}, {{"name": "up", "op": "ResizeBilinear", "input": ["x", "size"],
                "attr": {{"align_corners": {{"b": false}}, "half_pixel_centers": {{"b": true}}}}}}"#,
            placeholder("x", "DT_FLOAT", &[-1, 2, 2, 1])
        );
        let bytes = convert_test_model(
            &nodes,
            &[Weight::I32("size", vec![2], vec![4, 4])],
            &[("y", "up:0")],
        );
        let out = run(
            &bytes,
            vec![("x", image(&[1, 2, 2, 1], vec![0.0, 4.0, 8.0, 12.0]))],
        );
        let (shape, values) = out["y"].f32();
        assert_eq!(shape, [1, 4, 4, 1]);
        #[rustfmt::skip]
        let want = [
            0.0, 1.0, 3.0, 4.0,
            2.0, 3.0, 5.0, 6.0,
            6.0, 7.0, 9.0, 10.0,
            8.0, 9.0, 11.0, 12.0,
        ];
        assert_close(values, &want);
    }

    #[test]
    fn depth_to_space_is_dcr_on_nhwc() {
        // Input [1,1,2,8]: pixel w holds depth (block_y, block_x, c) for a
        // 2x2 block of 2 channels: out[y*2+i][w*2+j][c] = in[y][w][(i*2+j)*2+c].
        let nodes = format!(
            r#"{}, {{"name": "d2s", "op": "DepthToSpace", "input": ["x"],
                "attr": {{"block_size": {{"i": "2"}}, "data_format": {{"s": "TkhXQw=="}}}}}}"#,
            placeholder("x", "DT_FLOAT", &[1, 1, 2, 8])
        );
        let bytes = convert_test_model(&nodes, &[], &[("y", "d2s:0")]);
        let x: Vec<f32> = (0..8).chain(10..18).map(|v| v as f32).collect();
        let out = run(&bytes, vec![("x", image(&[1, 1, 2, 8], x))]);
        let (shape, values) = out["y"].f32();
        assert_eq!(shape, [1, 2, 4, 2]);
        let want = [0, 1, 2, 3, 10, 11, 12, 13, 4, 5, 6, 7, 14, 15, 16, 17].map(|v| v as f32);
        assert_close(values, &want);
    }

    #[test]
    fn pad_conv_maxpool_concat_relu6() {
        // A 1x1 identity conv first, so Pad sees an NCHW value.
        // x = [[-1, 2], [3, -4]] zero-padded by one on each side, then a 2x2
        // all-ones VALID conv sums each 2x2 window of the padded 4x4:
        //   [-1, 1, 2], [2, 0, -2], [3, -1, -4].
        // MaxPool 2x2 SAME stride 1 pads only bottom/right and ignores the
        // padding: [max(-1,2,3,-4), max(2,-4), max(3,-4), -4] = [3, 2, 3, -4].
        // concat(relu6(4x), x) on channels: [0,-1, 6,2, 6,3, 0,-4].
        let nodes = format!(
            r#"{},
            {{"name": "id", "op": "Conv2D", "input": ["x", "one"], "attr": {{"padding": {{"s": "VkFMSUQ="}}}}}},
            {{"name": "pad", "op": "Pad", "input": ["id", "paddings"]}},
            {{"name": "sum", "op": "Conv2D", "input": ["pad", "ones"], "attr": {{"padding": {{"s": "VkFMSUQ="}}}}}},
            {{"name": "pool", "op": "MaxPool", "input": ["x"],
              "attr": {{"ksize": {{"list": {{"i": ["1", "2", "2", "1"]}}}}, "strides": {{"list": {{"i": ["1", "1", "1", "1"]}}}},
                       "padding": {{"s": "U0FNRQ=="}}, "data_format": {{"s": "TkhXQw=="}}}}}},
            {{"name": "x4", "op": "Mul", "input": ["x", "four"]}},
            {{"name": "r6", "op": "Relu6", "input": ["x4"]}},
            {{"name": "cat", "op": "ConcatV2", "input": ["r6", "x", "axis"]}}"#,
            placeholder("x", "DT_FLOAT", &[1, 2, 2, 1])
        );
        let weights = [
            Weight::F32("one", vec![1, 1, 1, 1], vec![1.0]),
            Weight::I32("paddings", vec![4, 2], vec![0, 0, 1, 1, 1, 1, 0, 0]),
            Weight::F32("ones", vec![2, 2, 1, 1], vec![1.0; 4]),
            Weight::F32("four", vec![], vec![4.0]),
            Weight::I32("axis", vec![], vec![-1]),
        ];
        let outputs = [("sum", "sum:0"), ("pooled", "pool:0"), ("cat", "cat:0")];
        let bytes = convert_test_model(&nodes, &weights, &outputs);
        let out = run(
            &bytes,
            vec![("x", image(&[1, 2, 2, 1], vec![-1.0, 2.0, 3.0, -4.0]))],
        );
        let (shape, values) = out["sum"].f32();
        assert_eq!(shape, [1, 3, 3, 1]);
        assert_close(values, &[-1.0, 1.0, 2.0, 2.0, 0.0, -2.0, 3.0, -1.0, -4.0]);
        let (shape, values) = out["pooled"].f32();
        assert_eq!(shape, [1, 2, 2, 1]);
        assert_close(values, &[3.0, 2.0, 3.0, -4.0]);
        let (shape, values) = out["cat"].f32();
        assert_eq!(shape, [1, 2, 2, 2]);
        assert_close(values, &[0.0, -1.0, 6.0, 2.0, 6.0, 3.0, 0.0, -4.0]);
    }

    #[test]
    fn movenet_style_argmax_floordiv_gathernd_chain() {
        // Heatmap [1, 3, 4, 2] (H=3, W=4, two keypoints) as int input cast to
        // float, flattened to [12, 2]. Keypoint 0 peaks at (1, 2) = flat 6,
        // keypoint 1 at (2, 3) = flat 11.
        // row = idx floordiv 4, col = idx - row*4; gather heat[row, col, k].
        let nodes = format!(
            r#"{},
            {{"name": "heat", "op": "Cast", "input": ["x"], "attr": {{"SrcT": {{"type": "DT_INT32"}}, "DstT": {{"type": "DT_FLOAT"}}}}}},
            {{"name": "hwk", "op": "Squeeze", "input": ["heat"], "attr": {{"squeeze_dims": {{"list": {{"i": ["0"]}}}}}}}},
            {{"name": "flat", "op": "Reshape", "input": ["hwk", "flat_shape"]}},
            {{"name": "idx", "op": "ArgMax", "input": ["flat", "zero"], "attr": {{"output_type": {{"type": "DT_INT32"}}}}}},
            {{"name": "row", "op": "FloorDiv", "input": ["idx", "width"]}},
            {{"name": "rw", "op": "Mul", "input": ["row", "width"]}},
            {{"name": "col", "op": "Sub", "input": ["idx", "rw"]}},
            {{"name": "ind", "op": "Pack", "input": ["row", "col", "kpt"], "attr": {{"axis": {{"i": "1"}}, "N": {{"i": "3"}}}}}},
            {{"name": "peak", "op": "GatherNd", "input": ["hwk", "ind"]}},
            {{"name": "parts", "op": "Unpack", "input": ["ind"], "attr": {{"axis": {{"i": "1"}}, "num": {{"i": "3"}}}}}},
            {{"name": "col_f", "op": "Cast", "input": ["parts:1"], "attr": {{"DstT": {{"type": "DT_FLOAT"}}}}}},
            {{"name": "col_e", "op": "ExpandDims", "input": ["col_f", "minus_one"]}},
            {{"name": "peak_e", "op": "ExpandDims", "input": ["peak", "minus_one"]}},
            {{"name": "sq", "op": "SquaredDifference", "input": ["col_e", "peak_e"]}},
            {{"name": "dist", "op": "Sqrt", "input": ["sq"]}},
            {{"name": "ratio", "op": "RealDiv", "input": ["dist", "two"]}},
            {{"name": "neg_div", "op": "FloorDiv", "input": ["signed", "divisor"]}},
            {{"name": "out", "op": "Identity", "input": ["ratio"]}}"#,
            placeholder("x", "DT_INT32", &[1, 3, 4, 2])
        );
        let weights = [
            Weight::I32("flat_shape", vec![2], vec![-1, 2]),
            Weight::I32("zero", vec![], vec![0]),
            Weight::I32("width", vec![], vec![4]),
            Weight::I32("kpt", vec![2], vec![0, 1]),
            Weight::I32("minus_one", vec![], vec![-1]),
            Weight::F32("two", vec![], vec![2.0]),
            Weight::I32("signed", vec![4], vec![-7, 7, -8, 7]),
            Weight::I32("divisor", vec![4], vec![2, -2, 2, 2]),
        ];
        let outputs = [
            ("idx", "idx:0"),
            ("ind", "ind:0"),
            ("peak", "peak:0"),
            ("ratio", "out:0"),
            ("neg_div", "neg_div:0"),
        ];
        let bytes = convert_test_model(&nodes, &weights, &outputs);
        // Keypoint 0: value 90 at flat 6 = (1, 2). Keypoint 1: value 70 at
        // flat 11 = (2, 3); everything else is below 50.
        let mut x = vec![0i32; 24];
        for (i, v) in x.iter_mut().enumerate() {
            *v = (i as i32 * 7) % 50;
        }
        x[6 * 2] = 90;
        x[11 * 2 + 1] = 70;
        let x = ArrayD::from_shape_vec(vec![1, 3, 4, 2], x).expect("shape");
        let out = run(&bytes, vec![("x", Input::I32(x))]);
        assert_eq!(out["idx"].i32(), (&[2usize][..], &[6, 11][..]));
        assert_eq!(
            out["ind"].i32(),
            (&[2usize, 3][..], &[1, 2, 0, 2, 3, 1][..])
        );
        assert_close(out["peak"].f32().1, &[90.0, 70.0]);
        // |col - peak| / 2 = [(90-2)/2, (70-3)/2]
        let (shape, values) = out["ratio"].f32();
        assert_eq!(shape, [2, 1]);
        assert_close(values, &[44.0, 33.5]);
        // Floor, not truncation: -7/2 -> -4, 7/-2 -> -4, -8/2 -> -4, 7/2 -> 3.
        assert_eq!(out["neg_div"].i32().1, [-4, -4, -4, 3]);
    }

    #[test]
    fn batch_size_chain_shape_stridedslice_pack_reshape() {
        // The detector's reshape to [batch, anchors, values] with the batch
        // read at run time: run with a batch of 2.
        let nodes = format!(
            r#"{},
            {{"name": "shape", "op": "Shape", "input": ["x"], "attr": {{"out_type": {{"type": "DT_INT32"}}}}}},
            {{"name": "batch", "op": "StridedSlice", "input": ["shape", "begin", "end", "stride"],
              "attr": {{"shrink_axis_mask": {{"i": "1"}}, "begin_mask": {{"i": "0"}}, "end_mask": {{"i": "0"}},
                       "ellipsis_mask": {{"i": "0"}}, "new_axis_mask": {{"i": "0"}}}}}},
            {{"name": "target", "op": "Pack", "input": ["batch", "four", "three"], "attr": {{"axis": {{"i": "0"}}}}}},
            {{"name": "reshaped", "op": "Reshape", "input": ["x", "target"]}},
            {{"name": "Identity", "op": "Identity", "input": ["reshaped"]}}"#,
            placeholder("input", "DT_FLOAT", &[-1, 2, 2, 3]).replace("\"input\"", "\"x\"")
        );
        let weights = [
            Weight::I32("begin", vec![1], vec![0]),
            Weight::I32("end", vec![1], vec![1]),
            Weight::I32("stride", vec![1], vec![1]),
            Weight::I32("four", vec![], vec![4]),
            Weight::I32("three", vec![], vec![3]),
        ];
        let bytes = convert_test_model(&nodes, &weights, &[("person", "Identity:0")]);
        let values: Vec<f32> = (0..24).map(|v| v as f32).collect();
        let out = run(&bytes, vec![("x", image(&[2, 2, 2, 3], values.clone()))]);
        let (shape, got) = out["person"].f32();
        assert_eq!(shape, [2, 4, 3]);
        assert_close(got, &values);
    }
}
