//! Fuzzing the TF.js graph reader and converter with hostile `model.json`
//! files: random bytes, and random graphs of every supported op with random
//! inputs, attributes, shapes and weights. A model file comes from outside
//! (a package the person may have swapped), so whatever it holds must end in
//! a value, never a panic, a hang or an allocation sized by the file.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use serde_json::{Value, json};

use super::{ConvertError, ConvertOptions, convert_tfjs_outputs};

/// Every op the converter knows, and two it does not.
const OPS: &[&str] = &[
    "Placeholder",
    "Const",
    "Identity",
    "Cast",
    "Relu",
    "Sigmoid",
    "Rsqrt",
    "Relu6",
    "AddV2",
    "Sub",
    "Mul",
    "RealDiv",
    "Maximum",
    "Pow",
    "FloorDiv",
    "Less",
    "LogicalAnd",
    "AddN",
    "Conv2D",
    "_FusedConv2D",
    "DepthwiseConv2dNative",
    "FusedDepthwiseConv2dNative",
    "MaxPool",
    "AvgPool",
    "ResizeBilinear",
    "DepthToSpace",
    "Pad",
    "PadV2",
    "MirrorPad",
    "ConcatV2",
    "Reshape",
    "Shape",
    "StridedSlice",
    "Pack",
    "Unpack",
    "ExpandDims",
    "Squeeze",
    "ArgMax",
    "GatherNd",
    "GatherV2",
    "NoSuchOp",
    "",
];

/// Attribute names the op converters read.
const ATTRS: &[&str] = &[
    "dtype",
    "T",
    "DstT",
    "SrcT",
    "shape",
    "strides",
    "padding",
    "dilations",
    "data_format",
    "ksize",
    "fused_ops",
    "num_args",
    "epsilon",
    "align_corners",
    "half_pixel_centers",
    "block_size",
    "mode",
    "N",
    "axis",
    "begin_mask",
    "end_mask",
    "ellipsis_mask",
    "new_axis_mask",
    "shrink_axis_mask",
    "squeeze_dims",
    "output_type",
    "explicit_paddings",
    "alpha",
    "batch_dims",
];

/// Integers a hostile file would try: edges, signs and sizes.
fn int() -> impl Strategy<Value = i64> {
    prop_oneof![
        -3i64..8,
        Just(i64::MAX),
        Just(i64::MIN),
        Just(i64::from(i32::MAX)),
        Just(1i64 << 40),
        any::<i64>(),
    ]
}

fn b64(text: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(text)
}

fn attr() -> impl Strategy<Value = Value> {
    let word = prop_oneof![
        Just("SAME"),
        Just("VALID"),
        Just("EXPLICIT"),
        Just("NHWC"),
        Just("NCHW"),
        Just("BiasAdd"),
        Just("Relu"),
        Just("Relu6"),
        Just("Prelu"),
        Just("FusedBatchNorm"),
        Just("REFLECT"),
        Just("garbage"),
    ];
    prop_oneof![
        word.clone().prop_map(|w| json!({"s": b64(w)})),
        Just(json!({"s": "not base64 !!"})),
        int().prop_map(|i| json!({"i": i.to_string()})),
        int().prop_map(|i| json!({"i": i})),
        prop_oneof![Just(json!(1e-3)), Just(json!("NaN")), Just(json!(-1e308)), Just(json!("x"))]
            .prop_map(|f| json!({"f": f})),
        any::<bool>().prop_map(|b| json!({"b": b})),
        prop_oneof![Just("DT_FLOAT"), Just("DT_INT32"), Just("DT_BOOL"), Just("DT_STRING")]
            .prop_map(|t| json!({"type": t})),
        prop::collection::vec(int(), 0..6)
            .prop_map(|v| json!({"list": {"i": v.iter().map(ToString::to_string).collect::<Vec<_>>()}})),
        prop::collection::vec(word, 0..4)
            .prop_map(|v| json!({"list": {"s": v.into_iter().map(b64).collect::<Vec<_>>()}})),
        (prop::collection::vec(int(), 0..6), any::<bool>()).prop_map(|(dims, unknown)| json!({
            "shape": {"dim": dims.iter().map(|d| json!({"size": d.to_string()})).collect::<Vec<_>>(),
                      "unknownRank": unknown}
        })),
    ]
}

/// A node with a random op, inputs among the placeholder, the weights and
/// the nodes before it (or a name nothing produces), and random attributes.
fn node(index: usize) -> impl Strategy<Value = Value> {
    (
        prop::sample::select(OPS),
        prop::collection::vec(
            (
                prop_oneof![60 => 0..index + 3, 1 => Just(index + 3)],
                prop_oneof![8 => Just(0u8), 1 => 1u8..3],
                0u8..20,
            ),
            0..4,
        ),
        prop::collection::btree_map(prop::sample::select(ATTRS), attr(), 0..6),
    )
        .prop_map(move |(op, inputs, attrs)| {
            let inputs: Vec<String> = inputs
                .into_iter()
                .map(|(i, port, control)| {
                    let name = match i {
                        i if i < index => format!("n{i}"),
                        i if i < index + 3 => format!("w{}", i - index),
                        _ => "nowhere".to_owned(),
                    };
                    match (control, port) {
                        (0, _) => format!("^{name}"),
                        (_, 0) => name,
                        (_, p) => format!("{name}:{p}"),
                    }
                })
                .collect();
            json!({"name": format!("n{index}"), "op": op, "input": inputs, "attr": attrs})
        })
}

/// The graph's input: a placeholder of a random (mostly image-like) shape.
fn placeholder() -> impl Strategy<Value = Value> {
    (
        prop::collection::vec(prop_oneof![4 => 1i64..9, 1 => Just(-1), 1 => int()], 0..5),
        prop_oneof![6 => Just("DT_FLOAT"), 1 => Just("DT_INT32"), 1 => Just("DT_BOOL"), 1 => Just("DT_HALF")],
    )
        .prop_map(|(dims, dtype)| {
            let dim: Vec<Value> = dims.iter().map(|d| json!({"size": d.to_string()})).collect();
            json!({"name": "n0", "op": "Placeholder",
                   "attr": {"dtype": {"type": dtype}, "shape": {"shape": {"dim": dim}}}})
        })
}

/// A weight, its `Const` node and its bytes: mostly well formed (small
/// shapes, values that make sense as axes and sizes), sometimes hostile.
fn weight(index: usize, clean: bool) -> impl Strategy<Value = (Value, Value, Vec<u8>)> {
    (
        prop::collection::vec(prop_oneof![30 => 0i64..5, 1 => Just(-1), 1 => Just(1 << 40)], 0..5),
        prop_oneof![10 => Just("float32"), 10 => Just("int32"), 1 => Just("bool"), 1 => Just("string")],
        prop_oneof![
            12 => Just(None),
            1 => prop::sample::select(&["float16", "uint8", "uint16", "int4"][..]).prop_map(Some)
        ],
        prop::collection::vec(prop_oneof![-2i32..5, any::<i32>()], 0..64),
        any::<bool>(),
    )
        .prop_map(move |(mut shape, mut dtype, mut quant, values, mut short)| {
            if clean {
                for d in &mut shape {
                    *d = (*d).clamp(0, 4);
                }
                if dtype != "int32" {
                    dtype = "float32";
                }
                quant = None;
                short = false;
            }
            let name = format!("w{index}");
            let mut entry = json!({"name": name, "shape": shape, "dtype": dtype});
            let quant = quant.filter(|_| values.len() % 3 == 0);
            if let Some(q) = quant {
                entry["quantization"] = json!({"dtype": q, "scale": 0.5, "min": -1.0});
            }
            let count: usize = shape.iter().map(|&d| usize::try_from(d).unwrap_or(0).min(64)).product();
            let mut bytes: Vec<u8> = (0..count)
                .flat_map(|i| {
                    let v = values.get(i % values.len().max(1)).copied().unwrap_or(1);
                    if dtype == "float32" { (v as f32).to_le_bytes() } else { v.to_le_bytes() }
                })
                .collect();
            if short {
                bytes.truncate(bytes.len() / 2);
            }
            let tf = if dtype == "int32" { "DT_INT32" } else { "DT_FLOAT" };
            let node = json!({"name": name, "op": "Const", "attr": {"dtype": {"type": tf}}});
            (entry, node, bytes)
        })
}

fn graph() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    (
        placeholder(),
        (1usize..10).prop_flat_map(|n| (1..=n).map(node).collect::<Vec<_>>()),
        prop::bool::weighted(0.8)
            .prop_flat_map(|clean| (0..3).map(|i| weight(i, clean)).collect::<Vec<_>>()),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(input, ops, weights, out, signature)| {
            let mut nodes = vec![input];
            let out = format!("n{}:0", out.index(ops.len()) + 1);
            let mut entries = Vec::new();
            let mut shard = Vec::new();
            for (entry, node, bytes) in weights {
                entries.push(entry);
                nodes.push(node);
                shard.extend(bytes);
            }
            nodes.extend(ops);
            let mut model = json!({
                "modelTopology": {"node": nodes},
                "weightsManifest": [{"paths": ["shard.bin"], "weights": entries}],
            });
            if signature {
                model["signature"] = json!({
                    "inputs": {"x": {"name": "n0:0"}},
                    "outputs": {"y": {"name": out}},
                });
            }
            (serde_json::to_vec(&model).unwrap(), shard)
        })
}

fn convert(json: &[u8], shard: &[u8]) -> Result<Vec<u8>, ConvertError> {
    let mut read = |path: &str| -> Result<Vec<u8>, ConvertError> {
        if path == "shard.bin" {
            Ok(shard.to_vec())
        } else {
            Err(ConvertError::Json(serde_json::Error::io(
                std::io::Error::other("no such shard"),
            )))
        }
    };
    convert_tfjs_outputs(json, &mut read, "fuzz", ConvertOptions::default(), &[])
}

proptest! {
    // A bounded time in CI (about a second): a thousand graphs of up to ten
    // nodes each; about one in sixteen converts whole, the rest stop at a
    // named error somewhere along the graph.
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_a_value_not_a_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = convert(&bytes, &[]);
    }

    #[test]
    fn any_graph_of_known_ops_is_a_value_not_a_panic((json, shard) in graph()) {
        let _ = convert(&json, &shard);
    }
}

/// A model whose nodes are `nodes` (JSON objects, comma-separated) and
/// whose single weight `w` is the int32 vector `values`.
fn model_with_shape_weight(nodes: &str, values: &[i32]) -> Result<Vec<u8>, ConvertError> {
    let shard: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let json = format!(
        r#"{{"modelTopology": {{"node": [
            {{"name": "x", "op": "Placeholder", "attr": {{"dtype": {{"type": "DT_FLOAT"}},
              "shape": {{"shape": {{"dim": [{{"size": "2147483647"}}, {{"size": "2147483647"}},
                                            {{"size": "2147483647"}}]}}}}}}}},
            {{"name": "w", "op": "Const", "attr": {{"dtype": {{"type": "DT_INT32"}}}}}},
            {nodes}]}},
          "weightsManifest": [{{"paths": ["shard.bin"],
              "weights": [{{"name": "w", "shape": [{}], "dtype": "int32"}}]}}]}}"#,
        values.len()
    );
    convert(json.as_bytes(), &shard)
}

/// Found by the fuzz: a reshape to sizes whose product overflows i64
/// panicked ("attempt to multiply with overflow").
#[test]
fn a_reshape_whose_sizes_overflow_is_an_error() {
    let big = i32::MAX;
    let got = model_with_shape_weight(
        r#"{"name": "r", "op": "Reshape", "input": ["x", "w"]}"#,
        &[big, big, big, -1],
    );
    assert!(got.is_err(), "{got:?}");
}

/// Found by the fuzz: a reshape whose shape comes from the graph input, an
/// input declared a billion long, panicked with "capacity overflow".
#[test]
fn a_reshape_to_an_absurd_rank_is_an_error() {
    let json = br#"{"modelTopology": {"node": [
        {"name": "x", "op": "Placeholder", "attr": {"dtype": {"type": "DT_FLOAT"}}},
        {"name": "s", "op": "Placeholder", "attr": {"dtype": {"type": "DT_INT32"},
          "shape": {"shape": {"dim": [{"size": "9223372036854775807"}]}}}},
        {"name": "r", "op": "Reshape", "input": ["x", "s"]}]}}"#;
    let got = convert(json, &[]);
    assert!(got.is_err(), "{got:?}");
}

/// An unpack into a billion pieces named a billion outputs before anything
/// checked the count.
#[test]
fn an_unpack_into_absurdly_many_pieces_is_an_error() {
    let got = model_with_shape_weight(
        r#"{"name": "u", "op": "Unpack", "input": ["w"], "attr": {"num": {"i": "1000000000"}}}"#,
        &[1, 2],
    );
    assert!(got.is_err(), "{got:?}");
}
