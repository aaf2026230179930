//! Reading a TensorFlow.js graph model: `model.json` and its weight shards.
//!
//! `modelTopology.node[]` is a TensorFlow `GraphDef` written as JSON (int64
//! values as strings, byte strings in base64). The constants live in the
//! shards named by `weightsManifest[].paths`, concatenated in manifest order.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::ConvertError;

/// The parts of `model.json` the converter uses.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModelJson {
    model_topology: Topology,
    #[serde(default)]
    weights_manifest: Vec<ManifestGroup>,
    #[serde(default)]
    signature: Option<Signature>,
}

#[derive(Debug, Deserialize)]
struct Topology {
    #[serde(default)]
    node: Vec<NodeDef>,
}

/// One node of the TensorFlow graph.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeDef {
    /// Unique node name; other nodes refer to its outputs as `name` or `name:k`.
    pub name: String,
    /// TensorFlow op name.
    pub op: String,
    /// Inputs as `node`, `node:k` or `^node` (control dependency).
    #[serde(default)]
    pub input: Vec<String>,
    /// Attributes by name; a `BTreeMap` so nothing depends on hash order.
    #[serde(default)]
    pub attr: BTreeMap<String, AttrValue>,
}

/// A TensorFlow `AttrValue` in JSON form; exactly one field is set.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AttrValue {
    /// Base64 byte string.
    #[serde(default)]
    pub s: Option<String>,
    /// Integer (JSON string or number).
    #[serde(default)]
    pub i: Option<JsonInt>,
    /// Float (JSON number, or a string such as `"NaN"`).
    #[serde(default)]
    pub f: Option<serde_json::Value>,
    /// Boolean.
    #[serde(default)]
    pub b: Option<bool>,
    /// Data type such as `DT_FLOAT`.
    #[serde(default, rename = "type")]
    pub dtype: Option<String>,
    /// Lists of values.
    #[serde(default)]
    pub list: Option<AttrList>,
    /// A tensor shape.
    #[serde(default)]
    pub shape: Option<ShapeJson>,
}

/// `AttrValue.list`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AttrList {
    /// Base64 byte strings.
    #[serde(default)]
    pub s: Vec<String>,
    /// Integers.
    #[serde(default)]
    pub i: Vec<JsonInt>,
}

/// An int64 that protobuf's JSON mapping writes as a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum JsonInt {
    /// `"123"`.
    Text(String),
    /// `123`.
    Number(i64),
}

impl JsonInt {
    /// The value, or `None` when the text is not an integer.
    #[must_use]
    pub fn get(&self) -> Option<i64> {
        match self {
            Self::Text(t) => t.parse().ok(),
            Self::Number(n) => Some(*n),
        }
    }
}

/// `TensorShapeProto` in JSON.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeJson {
    /// Dimensions; a size of -1 is unknown.
    #[serde(default)]
    pub dim: Vec<DimJson>,
    /// Set when even the rank is unknown.
    #[serde(default)]
    pub unknown_rank: bool,
}

/// One dimension of a [`ShapeJson`].
#[derive(Debug, Clone, Deserialize)]
pub struct DimJson {
    /// Size; missing means 0 in protobuf JSON.
    #[serde(default)]
    pub size: Option<JsonInt>,
}

impl ShapeJson {
    /// Dimensions with unknown (-1) ones as `None`.
    #[must_use]
    pub fn dims(&self) -> Option<Vec<Option<i64>>> {
        if self.unknown_rank {
            return None;
        }
        self.dim
            .iter()
            .map(|d| match &d.size {
                None => Some(Some(0)),
                Some(s) => s.get().map(|v| (v >= 0).then_some(v)),
            })
            .collect()
    }
}

#[derive(Debug, Deserialize)]
struct ManifestGroup {
    paths: Vec<String>,
    weights: Vec<WeightEntry>,
}

#[derive(Debug, Deserialize)]
struct WeightEntry {
    name: String,
    shape: Vec<i64>,
    dtype: String,
    #[serde(default)]
    quantization: Option<Quantization>,
}

#[derive(Debug, Deserialize)]
struct Quantization {
    dtype: String,
    #[serde(default)]
    scale: Option<f64>,
    #[serde(default)]
    min: Option<f64>,
}

/// `signature` of a graph model: the public names of inputs and outputs.
#[derive(Debug, Deserialize)]
struct Signature {
    #[serde(default)]
    inputs: BTreeMap<String, SignatureTensor>,
    #[serde(default)]
    outputs: BTreeMap<String, SignatureTensor>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignatureTensor {
    name: String,
    #[serde(default)]
    dtype: Option<String>,
    #[serde(default)]
    tensor_shape: Option<ShapeJson>,
}

/// A graph input or output as the converted model shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Endpoint {
    /// Public name (the signature key), used as the ONNX value name.
    pub name: String,
    /// The graph tensor it binds to, as `node:k`.
    pub tensor: String,
    /// TensorFlow dtype such as `DT_FLOAT`, when the signature gives it.
    pub dtype: Option<String>,
    /// Shape with unknown sizes as `None`, when the signature gives it.
    pub shape: Option<Vec<Option<i64>>>,
}

/// Element values of a constant.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorData {
    /// 32-bit floats (float16-quantized weights are widened).
    F32(Vec<f32>),
    /// 32-bit integers.
    I32(Vec<i32>),
    /// Booleans.
    Bool(Vec<bool>),
}

impl TensorData {
    /// Whether there are no elements.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of elements.
    #[must_use]
    pub fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::I32(v) => v.len(),
            Self::Bool(v) => v.len(),
        }
    }
}

/// A constant of the graph with its values.
#[derive(Debug, Clone, PartialEq)]
pub struct ConstTensor {
    /// Shape, outermost first.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub data: TensorData,
}

impl ConstTensor {
    /// Values as integers, for shape-like constants (axes, sizes, paddings).
    #[must_use]
    pub fn as_ints(&self) -> Option<Vec<i64>> {
        match &self.data {
            TensorData::I32(v) => Some(v.iter().map(|&x| i64::from(x)).collect()),
            TensorData::F32(_) | TensorData::Bool(_) => None,
        }
    }
}

/// A parsed graph model with its constants loaded.
#[derive(Debug)]
pub struct TfjsModel {
    /// Graph nodes in file order.
    pub nodes: Vec<NodeDef>,
    /// Constants by weight name (the `Const` node's name).
    pub weights: BTreeMap<String, ConstTensor>,
    /// Graph inputs in signature-key order.
    pub inputs: Vec<Endpoint>,
    /// Graph outputs in signature-key order.
    pub outputs: Vec<Endpoint>,
}

/// Parses `model.json` and reads every shard its manifest names.
pub fn parse(
    graph_json: &[u8],
    read_shard: &mut dyn FnMut(&str) -> Result<Vec<u8>, ConvertError>,
) -> Result<TfjsModel, ConvertError> {
    let model: ModelJson = serde_json::from_slice(graph_json).map_err(ConvertError::Json)?;
    let mut weights = BTreeMap::new();
    for group in &model.weights_manifest {
        let mut bytes = Vec::new();
        for path in &group.paths {
            bytes.extend_from_slice(&read_shard(path)?);
        }
        let shard_name = group.paths.join(", ");
        let mut offset = 0usize;
        for entry in &group.weights {
            let (tensor, used) =
                decode_weight(entry, bytes.get(offset..).unwrap_or(&[]), &shard_name)?;
            offset += used;
            weights.insert(entry.name.clone(), tensor);
        }
    }
    let (inputs, outputs) = match &model.signature {
        Some(sig) if !sig.inputs.is_empty() && !sig.outputs.is_empty() => (
            sig.inputs.iter().map(endpoint).collect(),
            sig.outputs.iter().map(endpoint).collect(),
        ),
        _ => endpoints_from_graph(&model.model_topology.node),
    };
    Ok(TfjsModel {
        nodes: model.model_topology.node,
        weights,
        inputs,
        outputs,
    })
}

fn endpoint((key, t): (&String, &SignatureTensor)) -> Endpoint {
    Endpoint {
        name: key.clone(),
        tensor: t.name.clone(),
        dtype: t.dtype.clone(),
        shape: t.tensor_shape.as_ref().and_then(ShapeJson::dims),
    }
}

/// Without a signature: placeholders are the inputs and nodes nobody reads
/// are the outputs, each named after its node.
fn endpoints_from_graph(nodes: &[NodeDef]) -> (Vec<Endpoint>, Vec<Endpoint>) {
    let consumed: std::collections::BTreeSet<&str> = nodes
        .iter()
        .flat_map(|n| n.input.iter())
        .map(|i| i.trim_start_matches('^').split(':').next().unwrap_or(""))
        .collect();
    let inputs = nodes
        .iter()
        .filter(|n| n.op == "Placeholder")
        .map(|n| Endpoint {
            name: n.name.clone(),
            tensor: format!("{}:0", n.name),
            dtype: None,
            shape: None,
        })
        .collect();
    let outputs = nodes
        .iter()
        .filter(|n| n.op != "Const" && n.op != "Placeholder" && !consumed.contains(n.name.as_str()))
        .map(|n| Endpoint {
            name: n.name.clone(),
            tensor: format!("{}:0", n.name),
            dtype: None,
            shape: None,
        })
        .collect();
    (inputs, outputs)
}

/// Decodes one manifest entry from the start of `bytes`; returns the tensor
/// and how many bytes it took.
fn decode_weight(
    entry: &WeightEntry,
    bytes: &[u8],
    shard: &str,
) -> Result<(ConstTensor, usize), ConvertError> {
    let bad = |detail: String| ConvertError::Weights {
        name: entry.name.clone(),
        detail,
    };
    let mut shape = Vec::with_capacity(entry.shape.len());
    let mut count = 1usize;
    for &d in &entry.shape {
        let d = usize::try_from(d)
            .map_err(|_| bad(format!("negative dimension in shape {:?}", entry.shape)))?;
        count = count
            .checked_mul(d)
            .ok_or_else(|| bad(format!("shape {:?} is too large", entry.shape)))?;
        shape.push(d);
    }
    let stored = entry
        .quantization
        .as_ref()
        .map_or(entry.dtype.as_str(), |q| q.dtype.as_str());
    let width = match stored {
        "float32" | "int32" => 4,
        "float16" | "uint16" | "int16" => 2,
        "uint8" | "int8" | "bool" => 1,
        other => return Err(bad(format!("unsupported stored dtype {other:?}"))),
    };
    let needed = count
        .checked_mul(width)
        .ok_or_else(|| bad(format!("shape {:?} is too large", entry.shape)))?;
    let Some(raw) = bytes.get(..needed) else {
        return Err(ConvertError::ShortWeights {
            name: entry.name.clone(),
            shard: shard.to_owned(),
            needed,
            available: bytes.len(),
        });
    };
    let data = match (entry.dtype.as_str(), entry.quantization.as_ref()) {
        ("float32", None) => TensorData::F32(
            raw.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        ("int32", None) => TensorData::I32(
            raw.chunks_exact(4)
                .map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        ),
        ("bool", None) => TensorData::Bool(raw.iter().map(|&b| b != 0).collect()),
        ("float32", Some(q)) if q.dtype == "float16" => TensorData::F32(
            raw.chunks_exact(2)
                .map(|c| half::f16::from_le_bytes([c[0], c[1]]).to_f32())
                .collect(),
        ),
        ("float32" | "int32", Some(q)) if q.dtype == "uint8" || q.dtype == "uint16" => {
            let (Some(scale), Some(min)) = (q.scale, q.min) else {
                return Err(bad(format!(
                    "{} quantization without scale and min",
                    q.dtype
                )));
            };
            let q_values: Vec<f64> = if q.dtype == "uint8" {
                raw.iter().map(|&b| f64::from(b)).collect()
            } else {
                raw.chunks_exact(2)
                    .map(|c| f64::from(u16::from_le_bytes([c[0], c[1]])))
                    .collect()
            };
            let real = q_values.into_iter().map(|v| v * scale + min);
            if entry.dtype == "float32" {
                TensorData::F32(real.map(|v| v as f32).collect())
            } else {
                TensorData::I32(real.map(|v| v.round() as i32).collect())
            }
        }
        (dtype, q) => {
            return Err(bad(format!(
                "unsupported dtype {dtype:?} with quantization {:?}",
                q.map(|q| q.dtype.as_str())
            )));
        }
    };
    Ok((ConstTensor { shape, data }, needed))
}

/// Decodes standard base64 (TensorFlow's JSON byte strings); `None` on bad input.
#[must_use]
pub fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        }))
    }
    let body = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(body.len() * 3 / 4);
    for chunk in body.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut acc = 0u32;
        for (k, &c) in chunk.iter().enumerate() {
            acc |= sextet(c)? << (18 - 6 * k);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_round_trips_tf_strings() {
        assert_eq!(base64_decode("U0FNRQ==").as_deref(), Some(&b"SAME"[..]));
        assert_eq!(base64_decode("VkFMSUQ=").as_deref(), Some(&b"VALID"[..]));
        assert_eq!(
            base64_decode("Qmlhc0FkZA==").as_deref(),
            Some(&b"BiasAdd"[..])
        );
        assert_eq!(base64_decode("UmVsdTY=").as_deref(), Some(&b"Relu6"[..]));
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("a$=="), None);
    }

    fn json_with(weights: &str) -> String {
        format!(
            r#"{{"modelTopology": {{"node": []}},
               "weightsManifest": [{{"paths": ["a.bin", "b.bin"], "weights": {weights}}}]}}"#
        )
    }

    #[test]
    fn reads_float16_and_int32_across_shards() {
        let json = json_with(
            r#"[{"name": "w", "shape": [2], "dtype": "float32", "quantization": {"dtype": "float16", "original_dtype": "float32"}},
                {"name": "k", "shape": [], "dtype": "int32"}]"#,
        );
        let mut shards = |path: &str| -> Result<Vec<u8>, ConvertError> {
            let one = half::f16::from_f32(1.0 / 127.5).to_le_bytes();
            let minus = half::f16::from_f32(-2.5).to_le_bytes();
            Ok(match path {
                // The second value and the int straddle the shard boundary.
                "a.bin" => vec![one[0], one[1], minus[0]],
                _ => [&[minus[1]][..], &(-7i32).to_le_bytes()].concat(),
            })
        };
        let model = parse(json.as_bytes(), &mut shards).expect("parse");
        assert_eq!(
            model.weights["w"].data,
            // 1/127.5 in float16 is 257/32768, as models.md notes.
            TensorData::F32(vec![257.0 / 32768.0, -2.5])
        );
        assert_eq!(model.weights["k"].shape, Vec::<usize>::new());
        assert_eq!(model.weights["k"].data, TensorData::I32(vec![-7]));
    }

    #[test]
    fn short_shard_is_an_error_naming_the_weight() {
        let json = json_with(r#"[{"name": "big", "shape": [3, 3], "dtype": "int32"}]"#);
        let mut shards = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(vec![0; 10]) };
        let err = parse(json.as_bytes(), &mut shards).expect_err("short");
        let text = err.to_string();
        assert!(text.contains("big") && text.contains("36"), "{text}");
    }

    #[test]
    fn malformed_json_is_an_error() {
        let mut shards = |_: &str| -> Result<Vec<u8>, ConvertError> { Ok(Vec::new()) };
        assert!(matches!(
            parse(b"{\"modelTopology\": [", &mut shards),
            Err(ConvertError::Json(_))
        ));
    }

    #[test]
    fn shard_errors_pass_through() {
        let json = json_with(r#"[{"name": "w", "shape": [1], "dtype": "int32"}]"#);
        let mut shards = |path: &str| -> Result<Vec<u8>, ConvertError> {
            Err(ConvertError::Shard {
                path: path.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not in the archive"),
            })
        };
        let err = parse(json.as_bytes(), &mut shards).expect_err("missing");
        assert!(err.to_string().contains("a.bin"), "{err}");
    }
}
