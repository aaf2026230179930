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
fn zero_pad_of_the_input_before_a_conv_is_emitted_in_nchw() {
    // BlazePose's first layer: ZeroPadding2D on the NHWC graph input, then a
    // VALID conv. The Pad must come after the input's Transpose, right
    // before the Conv, so ONNX Runtime can fold it into the Conv's pads; a
    // Pad read by anything else (here a MaxPool) stays in NHWC.
    // Values as in `pad_conv_maxpool_concat_relu6`: x = [[-1, 2], [3, -4]]
    // padded by one, summed over 2x2 windows: [-1, 1, 2], [2, 0, -2], [3, -1, -4];
    // the max over the same windows (the padding's zeros count there):
    // [0, 2, 2], [3, 3, 2], [3, 3, 0].
    let nodes = format!(
        r#"{},
        {{"name": "pad", "op": "Pad", "input": ["x", "paddings"]}},
        {{"name": "sum", "op": "Conv2D", "input": ["pad", "ones"], "attr": {{"padding": {{"s": "VkFMSUQ="}}}}}},
        {{"name": "pad2", "op": "Pad", "input": ["x", "paddings"]}},
        {{"name": "pool", "op": "MaxPool", "input": ["pad2"],
          "attr": {{"ksize": {{"list": {{"i": ["1", "2", "2", "1"]}}}}, "strides": {{"list": {{"i": ["1", "1", "1", "1"]}}}},
                   "padding": {{"s": "VkFMSUQ="}}, "data_format": {{"s": "TkhXQw=="}}}}}}"#,
        placeholder("x", "DT_FLOAT", &[1, 2, 2, 1])
    );
    let weights = [
        Weight::I32("paddings", vec![4, 2], vec![0, 0, 1, 1, 1, 1, 0, 0]),
        Weight::F32("ones", vec![2, 2, 1, 1], vec![1.0; 4]),
    ];
    let bytes = convert_test_model(&nodes, &weights, &[("sum", "sum:0"), ("pooled", "pool:0")]);
    let model: super::super::onnx::ModelProto = prost::Message::decode(&bytes[..]).expect("decode");
    let graph = model.graph.expect("graph");
    let producer = |name: &str| {
        graph
            .node
            .iter()
            .find(|n| n.output.iter().any(|o| o == name))
    };
    let conv = graph
        .node
        .iter()
        .find(|n| n.op_type == "Conv")
        .expect("conv");
    let pad = producer(&conv.input[0]).expect("conv input");
    assert_eq!(pad.op_type, "Pad", "the Conv must read the Pad directly");
    assert_eq!(
        producer(&pad.input[0]).expect("pad input").op_type,
        "Transpose"
    );
    let pool = graph
        .node
        .iter()
        .find(|n| n.op_type == "MaxPool")
        .expect("pool");
    let transposed = producer(&pool.input[0]).expect("pool input");
    assert_eq!(transposed.op_type, "Transpose");
    let pad2 = producer(&transposed.input[0]).expect("transpose input");
    assert_eq!(
        (pad2.op_type.as_str(), pad2.input[0].as_str()),
        ("Pad", "x")
    );

    let x = image(&[1, 2, 2, 1], vec![-1.0, 2.0, 3.0, -4.0]);
    let out = run(&bytes, vec![("x", x)]);
    let (shape, values) = out["sum"].f32();
    assert_eq!(shape, [1, 3, 3, 1]);
    assert_close(values, &[-1.0, 1.0, 2.0, 2.0, 0.0, -2.0, 3.0, -1.0, -4.0]);
    let (shape, values) = out["pooled"].f32();
    assert_eq!(shape, [1, 3, 3, 1]);
    assert_close(values, &[0.0, 2.0, 2.0, 3.0, 3.0, 2.0, 3.0, 3.0, 0.0]);
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
