#!/usr/bin/env python3
"""check_onnx.py: each ONNX model given passes onnx.checker with full_check (Debian's
python3-onnx, an implementation independent of the one `zy export` checks with itself:
same rules, another reader of the file).

    /usr/bin/python3 check_onnx.py MODEL.onnx...
"""
import sys

import onnx


def main(paths):
    for path in paths:
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        ops = sorted({node.op_type for node in model.graph.node})
        print(f"{path}: ok (opset {model.opset_import[0].version}, {len(model.graph.node)} nodes: {' '.join(ops)})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
