//! Model preparation: TensorFlow.js graph model -> ONNX, in Rust.
//!
//! The pose models ship on npm as TensorFlow.js graph models; ONNX Runtime
//! wants an ONNX file. Converting at install time (instead of shipping ONNX)
//! keeps the npm tarball as the single pinned source. This module depends on
//! nothing else in formcoach; it only needs `prost`, `serde_json` and `half`.
//!
//! The output is byte-for-byte deterministic for a given input, so the
//! manifest can pin its sha256.

mod builder;
#[cfg(test)]
mod fuzz;
pub mod onnx;
mod ops;
pub mod tfjs;

/// Why a graph model could not be converted. Each message names the node,
/// weight or file at fault so a bad download can be told from a converter gap.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertError {
    /// `model.json` is not valid JSON or lacks required fields.
    #[error("model JSON is malformed: {0}")]
    Json(#[source] serde_json::Error),
    /// `read_shard` could not provide a weights file.
    #[error("weights file {path:?} could not be read")]
    Shard {
        /// File name as the manifest gives it.
        path: String,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The weight files end before the manifest says they should.
    #[error(
        "weight {name:?} needs {needed} bytes but {shard} has only {available} left: \
         the .bin file is truncated or belongs to another model"
    )]
    ShortWeights {
        /// Weight name.
        name: String,
        /// Shard file name(s) of its manifest group.
        shard: String,
        /// Bytes the weight needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A manifest entry is not understood.
    #[error("weight {name:?}: {detail}")]
    Weights {
        /// Weight name.
        name: String,
        /// What is wrong with it.
        detail: String,
    },
    /// A `Const` node has no data in the manifest.
    #[error("constant node {node:?} has no entry in the weights manifest")]
    MissingWeight {
        /// Node name.
        node: String,
    },
    /// The graph uses an op the converter has no mapping for.
    #[error("node {node:?} uses TensorFlow op {op:?}, which the converter does not support")]
    UnsupportedOp {
        /// TensorFlow op name.
        op: String,
        /// Node name.
        node: String,
    },
    /// A supported op uses an attribute value or input form the converter
    /// does not handle.
    #[error("node {node:?} (TensorFlow op {op}) has unsupported {detail}")]
    UnsupportedAttr {
        /// TensorFlow op name.
        op: String,
        /// Node name.
        node: String,
        /// Which attribute or input, and its value.
        detail: String,
    },
    /// The graph itself is inconsistent (dangling input, cycle, bad signature).
    #[error("graph is malformed: {0}")]
    Graph(String),
}

/// Choices that change the emitted graph but not its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvertOptions {
    /// Keep activations in NCHW between consecutive convolution-like ops and
    /// the element-wise ops between them, instead of transposing back to
    /// TensorFlow's NHWC after every convolution. Saves Transposes that ONNX
    /// Runtime would otherwise have to remove itself.
    pub keep_nchw: bool,
}

impl Default for ConvertOptions {
    fn default() -> Self {
        Self { keep_nchw: true }
    }
}

/// Converts one TF.js graph model. `read_shard` returns the bytes of a weights
/// file named in the manifest's `paths`.
///
/// Returns a serialized ONNX `ModelProto` (IR 8, opset 17) whose inputs and
/// outputs carry the graph's signature names, so callers bind by name.
pub fn convert_tfjs(
    graph_json: &[u8],
    read_shard: &mut dyn FnMut(&str) -> Result<Vec<u8>, ConvertError>,
    model_name: &str,
) -> Result<Vec<u8>, ConvertError> {
    convert_tfjs_with(
        graph_json,
        read_shard,
        model_name,
        ConvertOptions::default(),
    )
}

/// [`convert_tfjs`] with explicit [`ConvertOptions`]; exists so the layout
/// choice can be measured.
pub fn convert_tfjs_with(
    graph_json: &[u8],
    read_shard: &mut dyn FnMut(&str) -> Result<Vec<u8>, ConvertError>,
    model_name: &str,
    options: ConvertOptions,
) -> Result<Vec<u8>, ConvertError> {
    convert_tfjs_outputs(graph_json, read_shard, model_name, options, &[])
}

/// [`convert_tfjs_with`], keeping only the named signature outputs (all of
/// them when `outputs` is empty).
///
/// Every op only a dropped output needs is left out of the ONNX graph, so
/// ONNX Runtime neither computes nor allocates it: BlazePose's segmentation
/// mask is a whole decoder branch at 256 x 256 that the landmarks never read.
pub fn convert_tfjs_outputs(
    graph_json: &[u8],
    read_shard: &mut dyn FnMut(&str) -> Result<Vec<u8>, ConvertError>,
    model_name: &str,
    options: ConvertOptions,
    outputs: &[String],
) -> Result<Vec<u8>, ConvertError> {
    let mut model = tfjs::parse(graph_json, read_shard)?;
    keep_outputs(&mut model, outputs)?;
    let proto = ops::convert(&model, model_name, options)?;
    Ok(prost::Message::encode_to_vec(&proto))
}

/// Drops every signature output not named in `outputs` (none when it is
/// empty); a name the graph does not have is an error naming the ones it has.
fn keep_outputs(model: &mut tfjs::TfjsModel, outputs: &[String]) -> Result<(), ConvertError> {
    if outputs.is_empty() {
        return Ok(());
    }
    if let Some(missing) = outputs
        .iter()
        .find(|name| !model.outputs.iter().any(|e| &&e.name == name))
    {
        let known: Vec<&str> = model.outputs.iter().map(|e| e.name.as_str()).collect();
        return Err(ConvertError::Graph(format!(
            "the graph has no output {missing:?}; its outputs are {}",
            known.join(", ")
        )));
    }
    model.outputs.retain(|e| outputs.contains(&e.name));
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    //! ONNX Runtime harness shared by the converter's unit tests, plus
    //! whole-pipeline tests (errors, determinism, signature names).

    use std::collections::BTreeMap;

    use ndarray::ArrayD;
    use ort::session::{Session, SessionInputValue};
    use ort::value::Tensor;

    use super::*;

    /// A session on `bytes`, from the process-wide runtime (fetched first
    /// when missing, as the commands do: loading it never fetches).
    pub(crate) fn test_session(bytes: &[u8]) -> Session {
        static RUNTIME: std::sync::Once = std::sync::Once::new();
        RUNTIME.call_once(|| {
            crate::models::ensure_runtime_library(&crate::models::fetch::Progress::stderr())
                .unwrap_or_else(|e| panic!("{e}"));
        });
        crate::models::runtime::session_from_memory(bytes, "converter test")
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A constant for [`tfjs_model`]: name, shape, values.
    pub(crate) enum Weight {
        F32(&'static str, Vec<usize>, Vec<f32>),
        I32(&'static str, Vec<usize>, Vec<i32>),
    }

    /// Builds `model.json` and its single shard. `Const` nodes are added for
    /// every weight; `outputs` are (signature key, tensor) pairs; inputs are
    /// the placeholders, keyed by node name.
    pub(crate) fn tfjs_model(
        nodes: &str,
        weights: &[Weight],
        outputs: &[(&str, &str)],
    ) -> (Vec<u8>, Vec<u8>) {
        let mut bin = Vec::new();
        let mut manifest = Vec::new();
        let mut const_nodes = Vec::new();
        for w in weights {
            let (name, shape, dtype, tf_dtype) = match w {
                Weight::F32(n, s, v) => {
                    bin.extend(v.iter().flat_map(|x| x.to_le_bytes()));
                    (n, s, "float32", "DT_FLOAT")
                }
                Weight::I32(n, s, v) => {
                    bin.extend(v.iter().flat_map(|x| x.to_le_bytes()));
                    (n, s, "int32", "DT_INT32")
                }
            };
            manifest.push(serde_json::json!({"name": name, "shape": shape, "dtype": dtype}));
            const_nodes.push(serde_json::json!({"name": name, "op": "Const", "attr": {"dtype": {"type": tf_dtype}}}));
        }
        let mut all_nodes: Vec<serde_json::Value> =
            serde_json::from_str(&format!("[{nodes}]")).expect("test nodes JSON");
        let inputs: serde_json::Map<String, serde_json::Value> = all_nodes
            .iter()
            .filter(|n| n["op"] == "Placeholder")
            .map(|n| {
                let name = n["name"].as_str().unwrap_or_default().to_owned();
                (
                    name.clone(),
                    serde_json::json!({"name": format!("{name}:0")}),
                )
            })
            .collect();
        all_nodes.extend(const_nodes);
        let outputs: serde_json::Map<String, serde_json::Value> = outputs
            .iter()
            .map(|(k, t)| ((*k).to_owned(), serde_json::json!({"name": t})))
            .collect();
        let json = serde_json::json!({
            "format": "graph-model",
            "signature": {"inputs": inputs, "outputs": outputs},
            "modelTopology": {"node": all_nodes},
            "weightsManifest": [{"paths": ["group1-shard1of1.bin"], "weights": manifest}],
        });
        (serde_json::to_vec(&json).expect("serialize"), bin)
    }

    /// Converts a [`tfjs_model`].
    pub(crate) fn convert_test_model(
        nodes: &str,
        weights: &[Weight],
        outputs: &[(&str, &str)],
    ) -> Vec<u8> {
        let (json, bin) = tfjs_model(nodes, weights, outputs);
        let mut read = |path: &str| -> Result<Vec<u8>, ConvertError> {
            assert_eq!(path, "group1-shard1of1.bin");
            Ok(bin.clone())
        };
        convert_tfjs(&json, &mut read, "test").expect("conversion")
    }

    /// A graph input for [`run`].
    pub(crate) enum Input {
        F32(ArrayD<f32>),
        I32(ArrayD<i32>),
    }

    /// A graph output from [`run`], flattened, with its shape.
    #[derive(Debug, PartialEq)]
    pub(crate) enum Output {
        F32(Vec<usize>, Vec<f32>),
        I32(Vec<usize>, Vec<i32>),
    }

    impl Output {
        pub(crate) fn f32(&self) -> (&[usize], &[f32]) {
            match self {
                Self::F32(s, v) => (s, v),
                Self::I32(..) => panic!("expected a float output, got {self:?}"),
            }
        }

        pub(crate) fn i32(&self) -> (&[usize], &[i32]) {
            match self {
                Self::I32(s, v) => (s, v),
                Self::F32(..) => panic!("expected an int32 output, got {self:?}"),
            }
        }
    }

    /// Runs converted bytes on named inputs; returns every output by name.
    pub(crate) fn run(bytes: &[u8], inputs: Vec<(&str, Input)>) -> BTreeMap<String, Output> {
        let mut session = test_session(bytes);
        let values: Vec<(String, SessionInputValue<'_>)> = inputs
            .into_iter()
            .map(|(name, input)| {
                let value: SessionInputValue<'_> = match input {
                    Input::F32(a) => Tensor::from_array(a).expect("tensor").into(),
                    Input::I32(a) => Tensor::from_array(a).expect("tensor").into(),
                };
                (name.to_owned(), value)
            })
            .collect();
        let outputs = session.run(values).expect("inference");
        outputs
            .iter()
            .map(|(name, value)| {
                let out = if let Ok(a) = value.try_extract_array::<f32>() {
                    Output::F32(a.shape().to_vec(), a.iter().copied().collect())
                } else {
                    let a = value
                        .try_extract_array::<i32>()
                        .expect("float or int32 output");
                    Output::I32(a.shape().to_vec(), a.iter().copied().collect())
                };
                (name.to_owned(), out)
            })
            .collect()
    }

    /// Asserts two float slices agree to `1e-5` relative (plus a tiny absolute floor).
    pub(crate) fn assert_close(got: &[f32], want: &[f32]) {
        assert_eq!(got.len(), want.len(), "length: got {got:?}, want {want:?}");
        for (i, (g, w)) in got.iter().zip(want).enumerate() {
            assert!(
                (g - w).abs() <= 1e-5 * w.abs().max(1.0),
                "element {i}: got {g}, want {w}\n got {got:?}\nwant {want:?}"
            );
        }
    }

    const IMAGE_1X2X2X1: &str = r#"{"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"},
        "shape": {"shape": {"dim": [{"size": "-1"}, {"size": "2"}, {"size": "2"}, {"size": "1"}]}}}}"#;

    #[test]
    fn unknown_op_names_op_and_node() {
        let nodes = format!(
            r#"{IMAGE_1X2X2X1}, {{"name": "mystery/node", "op": "FancyNewOp", "input": ["x"]}}"#
        );
        let (json, bin) = tfjs_model(&nodes, &[], &[("y", "mystery/node:0")]);
        let mut read = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(bin.clone()) };
        let err = convert_tfjs(&json, &mut read, "test").expect_err("unknown op");
        assert!(
            matches!(&err, ConvertError::UnsupportedOp { op, node } if op == "FancyNewOp" && node == "mystery/node")
        );
        let text = err.to_string();
        assert!(
            text.contains("FancyNewOp") && text.contains("mystery/node"),
            "{text}"
        );
    }

    #[test]
    fn unsupported_attribute_names_node_and_value() {
        // fused_ops [BiasAdd, Prelu]: "Qmlhc0FkZA==" and "UHJlbHU=" in base64.
        let nodes = format!(
            r#"{IMAGE_1X2X2X1}, {{"name": "conv", "op": "_FusedConv2D", "input": ["x", "w", "b", "alpha"],
                "attr": {{"padding": {{"s": "VkFMSUQ="}}, "fused_ops": {{"list": {{"s": ["Qmlhc0FkZA==", "UHJlbHU="]}}}}}}}}"#
        );
        let weights = [
            Weight::F32("w", vec![1, 1, 1, 1], vec![1.0]),
            Weight::F32("b", vec![1], vec![0.0]),
            Weight::F32("alpha", vec![1], vec![0.1]),
        ];
        let (json, bin) = tfjs_model(&nodes, &weights, &[("y", "conv:0")]);
        let mut read = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(bin.clone()) };
        let text = convert_tfjs(&json, &mut read, "test")
            .expect_err("Prelu")
            .to_string();
        assert!(
            text.contains("conv") && text.contains("Prelu") && text.contains("_FusedConv2D"),
            "{text}"
        );
    }

    #[test]
    fn dangling_input_and_missing_weight_are_errors() {
        let nodes =
            format!(r#"{IMAGE_1X2X2X1}, {{"name": "y", "op": "Relu", "input": ["nowhere"]}}"#);
        let (json, bin) = tfjs_model(&nodes, &[], &[("y", "y:0")]);
        let mut read = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(bin.clone()) };
        let text = convert_tfjs(&json, &mut read, "test")
            .expect_err("dangling")
            .to_string();
        assert!(text.contains("nowhere"), "{text}");

        let nodes = format!(
            r#"{IMAGE_1X2X2X1}, {{"name": "c", "op": "Const", "attr": {{"dtype": {{"type": "DT_FLOAT"}}}}}},
               {{"name": "y", "op": "AddV2", "input": ["x", "c"]}}"#
        );
        let (json, bin) = tfjs_model(&nodes, &[], &[("y", "y:0")]);
        let mut read = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(bin.clone()) };
        let err = convert_tfjs(&json, &mut read, "test").expect_err("missing weight");
        assert!(
            matches!(&err, ConvertError::MissingWeight { node } if node == "c"),
            "{err}"
        );
    }

    /// A small graph with a conv, a residual add and a reshape: enough to
    /// exercise layouts, shared constants and naming.
    fn small_model_nodes() -> String {
        format!(
            r#"{IMAGE_1X2X2X1},
            {{"name": "conv", "op": "_FusedConv2D", "input": ["x", "w", "b"],
              "attr": {{"padding": {{"s": "U0FNRQ=="}}, "strides": {{"list": {{"i": ["1", "1", "1", "1"]}}}},
                       "fused_ops": {{"list": {{"s": ["Qmlhc0FkZA==", "UmVsdTY="]}}}}}}}},
            {{"name": "conv2", "op": "Conv2D", "input": ["conv", "w"], "attr": {{"padding": {{"s": "U0FNRQ=="}}}}}},
            {{"name": "add", "op": "AddV2", "input": ["conv", "conv2"]}},
            {{"name": "flat", "op": "Reshape", "input": ["add", "shape"]}},
            {{"name": "Identity", "op": "Identity", "input": ["flat"]}},
            {{"name": "Identity_1", "op": "Identity", "input": ["conv"]}}"#
        )
    }

    fn small_model_weights() -> Vec<Weight> {
        vec![
            Weight::F32("w", vec![2, 2, 1, 1], vec![1.0, 2.0, 3.0, 4.0]),
            Weight::F32("b", vec![1], vec![0.5]),
            Weight::I32("shape", vec![2], vec![-1, 4]),
        ]
    }

    #[test]
    fn converting_twice_gives_identical_bytes() {
        let outputs = [("z_last", "Identity:0"), ("a_first", "Identity_1:0")];
        let first = convert_test_model(&small_model_nodes(), &small_model_weights(), &outputs);
        let second = convert_test_model(&small_model_nodes(), &small_model_weights(), &outputs);
        assert_eq!(first, second);
        // Both layout strategies are deterministic too, and differ only in graph.
        let (json, bin) = tfjs_model(&small_model_nodes(), &small_model_weights(), &outputs);
        let mut read = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(bin.clone()) };
        let tf_layout = ConvertOptions { keep_nchw: false };
        let a = convert_tfjs_with(&json, &mut read, "test", tf_layout).expect("convert");
        let b = convert_tfjs_with(&json, &mut read, "test", tf_layout).expect("convert");
        assert_eq!(a, b);
        assert_ne!(a, first);
    }

    #[test]
    fn kept_outputs_drop_the_ops_only_others_need() {
        let outputs = [("z_last", "Identity:0"), ("a_first", "Identity_1:0")];
        let (json, bin) = tfjs_model(&small_model_nodes(), &small_model_weights(), &outputs);
        let mut read = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(bin.clone()) };
        let all = convert_tfjs(&json, &mut read, "test").expect("convert");
        let keep = ["a_first".to_owned()];
        let options = ConvertOptions::default();
        let pruned =
            convert_tfjs_outputs(&json, &mut read, "test", options, &keep).expect("convert");
        let graph = |bytes: &[u8]| -> onnx::GraphProto {
            let model: onnx::ModelProto = prost::Message::decode(bytes).expect("decode");
            model.graph.expect("graph")
        };
        let (all, pruned_graph) = (graph(&all), graph(&pruned));
        let names: Vec<&str> = pruned_graph
            .output
            .iter()
            .map(|o| o.name.as_str())
            .collect();
        assert_eq!(names, ["a_first"]);
        // conv2, add and the reshape feed only z_last: they are gone.
        assert!(pruned_graph.node.len() < all.node.len());
        assert!(pruned_graph.node.iter().all(|n| n.op_type != "Reshape"));
        // What is kept computes what it did.
        let x = ArrayD::from_shape_vec(vec![1, 2, 2, 1], vec![1.0, 2.0, 3.0, 4.0]).expect("shape");
        let out = run(&pruned, vec![("x", Input::F32(x))]);
        assert_close(out["a_first"].f32().1, &[6.0, 6.0, 6.0, 4.5]);
        assert!(!out.contains_key("z_last"));

        let unknown = ["mask".to_owned()];
        let err = convert_tfjs_outputs(&json, &mut read, "test", options, &unknown)
            .expect_err("no such output");
        let text = err.to_string();
        assert!(text.contains("mask") && text.contains("a_first"), "{text}");
    }

    #[test]
    fn model_header_and_signature_names() {
        let bytes = convert_test_model(
            &small_model_nodes(),
            &small_model_weights(),
            &[("z_last", "Identity:0"), ("a_first", "Identity_1:0")],
        );
        let model: onnx::ModelProto = prost::Message::decode(bytes.as_slice()).expect("decode");
        assert_eq!(model.ir_version, 8);
        assert_eq!(model.producer_name, "formcoach");
        assert_eq!(model.opset_import.first().map(|o| o.version), Some(17));
        let graph = model.graph.expect("graph");
        let names =
            |v: &[onnx::ValueInfoProto]| v.iter().map(|i| i.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&graph.input), ["x"]);
        assert_eq!(names(&graph.output), ["a_first", "z_last"]);
        // The batch is symbolic, the rest fixed.
        let dims = &graph.input[0]
            .r#type
            .as_ref()
            .and_then(|t| t.tensor_type.as_ref())
            .and_then(|t| t.shape.as_ref())
            .expect("input shape")
            .dim;
        assert_eq!(
            dims[0].value,
            Some(onnx::DimensionValue::DimParam("N".to_owned()))
        );
        assert_eq!(dims[1].value, Some(onnx::DimensionValue::DimValue(2)));
    }

    #[test]
    fn both_layouts_compute_the_same() {
        // x = [[1, 2], [3, 4]]; conv 2x2 SAME stride 1 pads bottom/right by one.
        // conv = relu6([1+4+9+16, 2+12, 3+8, 4] + 0.5) = [6, 6, 6, 4.5]
        // conv2 = [6+12+18+18, 6+3*4.5, 6+2*4.5, 4.5] = [54, 19.5, 15, 4.5]
        // Batch 1 is zeros: conv = 0.5 everywhere, conv2 = 0.5 * [10, 4, 3, 1].
        let outputs = [("z_last", "Identity:0"), ("a_first", "Identity_1:0")];
        let (json, bin) = tfjs_model(&small_model_nodes(), &small_model_weights(), &outputs);
        for keep_nchw in [true, false] {
            let mut read = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(bin.clone()) };
            let bytes = convert_tfjs_with(&json, &mut read, "test", ConvertOptions { keep_nchw })
                .expect("convert");
            let x = ArrayD::from_shape_vec(
                vec![2, 2, 2, 1],
                vec![1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            )
            .expect("shape");
            let out = run(&bytes, vec![("x", Input::F32(x))]);
            let (shape, values) = out["z_last"].f32();
            assert_eq!(shape, [2, 4]);
            assert_close(values, &[60.0, 25.5, 21.0, 9.0, 5.5, 2.5, 2.0, 1.0]);
            assert_eq!(out["a_first"].f32().0, [2, 2, 2, 1]);
        }
    }
}
