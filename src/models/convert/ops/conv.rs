//! Convolution-like ops: convolutions, pooling, resizing, depth-to-space.
//!
//! They run in NCHW in ONNX, so they ask for the NCHW name of their input and
//! translate TensorFlow's SAME padding into explicit pads.

use super::{
    AttributeProto, ConstTensor, ConvertError, Converter, DType, Dims, Layout, NodeDef, TensorData,
    Value, attr_bool, attr_int, attr_ints, attr_str, check_nhwc, conv_out, data_inputs,
    fused_epilogue, same_padding, tensor_key, unsupported,
};

/// The largest stride, dilation, pool size or block size accepted.
const MAX_WINDOW: i64 = 1024;

impl Converter<'_> {
    /// Strides and dilations of an NHWC op as (h, w) pairs.
    pub(super) fn spatial_pair(node: &NodeDef, name: &str) -> Result<(i64, i64), ConvertError> {
        match attr_ints(node, name)?.as_deref() {
            None | Some([]) => Ok((1, 1)),
            // Strides, dilations and pool sizes of real graphs are small; a
            // bound keeps the size arithmetic of a hostile file in range.
            Some([1, h, w, 1]) if (1..=MAX_WINDOW).contains(h) && (1..=MAX_WINDOW).contains(w) => {
                Ok((*h, *w))
            }
            Some(other) => Err(unsupported(node, format!("{name} {other:?}"))),
        }
    }

    /// ONNX pads [top, left, bottom, right] and whether padding is SAME.
    pub(super) fn spatial_pads(
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

    /// Whether a zero `Pad` of the spatial sides is read only by
    /// convolutions, so it is emitted in NCHW even when its input is NHWC
    /// (the graph input): ONNX Runtime then folds it into the convolution's
    /// pads, where an NHWC Pad stays a separate pass over the image with a
    /// Transpose between it and the convolution.
    pub(super) fn zero_pad_into_convolutions(&self, node: &NodeDef, paddings: &[i64]) -> bool {
        if !self.options.keep_nchw || node.op != "Pad" {
            return false;
        }
        // [n0, n1, h0, h1, w0, w1, c0, c1]: batch and channels unpadded.
        if !matches!(paddings, [0, 0, _, _, _, _, 0, 0]) {
            return false;
        }
        let key = format!("{}:0", node.name);
        if self
            .model
            .outputs
            .iter()
            .any(|e| tensor_key(&e.tensor) == key)
        {
            return false;
        }
        let mut readers = self
            .model
            .nodes
            .iter()
            .filter(|n| data_inputs(n).any(|i| tensor_key(i) == key))
            .peekable();
        readers.peek().is_some()
            && readers.all(|n| {
                matches!(
                    n.op.as_str(),
                    "Conv2D"
                        | "_FusedConv2D"
                        | "DepthwiseConv2dNative"
                        | "FusedDepthwiseConv2dNative"
                ) && data_inputs(n).next().is_some_and(|i| tensor_key(i) == key)
            })
    }

    pub(super) fn conv(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
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
    pub(super) fn conv_weight(
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
    pub(super) fn activation(&mut self, node: &NodeDef, act: &str, y: String) -> String {
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

    pub(super) fn pool(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
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

    pub(super) fn resize(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
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

    pub(super) fn depth_to_space(&mut self, node: &NodeDef) -> Result<Vec<Value>, ConvertError> {
        check_nhwc(node)?;
        let block =
            attr_int(node, "block_size").ok_or_else(|| unsupported(node, "missing block_size"))?;
        if !(1..=MAX_WINDOW).contains(&block) {
            return Err(unsupported(node, format!("block_size {block}")));
        }
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
}
