"""Token streams for the kjv model (shared by train.py, evaluate.py and
export_onnx.py).

A split's token stream is the concatenation, in canonical book order, of
every verse's SentencePiece ids (models/kjv/tokenizer.model, as written one
line per verse by scripts/kjv/prepare_corpus.sh into BUILD/{train,heldout}.ids)
each followed by </s> (id 2). No BOS anywhere.
"""
import os
import subprocess

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODEL_DIR = os.path.join(ROOT, "models", "kjv")
DEFAULT_BUILD = os.path.join(ROOT, "build", "kjv")
TOKENIZER = os.path.join(MODEL_DIR, "tokenizer.model")
EOS_ID = 2


def load_stream(path):
    ids = []
    with open(path) as f:
        for line in f:
            ids.extend(int(t) for t in line.split())
            ids.append(EOS_ID)
    return np.asarray(ids, dtype=np.int64)


def encode(text, model=TOKENIZER):
    """Ids of one line of text (spm_encode; no BOS/EOS)."""
    out = subprocess.run(["spm_encode", "--model=" + model, "--output_format=id"],
                         input=text.replace("\n", " ") + "\n", capture_output=True, text=True, check=True)
    return [int(t) for t in out.stdout.split()]


def decode(ids, model=TOKENIZER):
    """Text of ids (spm_decode); </s> is shown as a line break."""
    parts, cur = [], []
    for t in list(ids) + [EOS_ID]:
        if t == EOS_ID:
            if cur:
                out = subprocess.run(["spm_decode", "--model=" + model, "--input_format=id"],
                                     input=" ".join(map(str, cur)) + "\n", capture_output=True,
                                     text=True, check=True)
                parts.append(out.stdout.rstrip("\n"))
            else:
                parts.append("")
            cur = []
        else:
            cur.append(t)
    return "\n".join(parts[:-1] if parts and parts[-1] == "" and ids and ids[-1] == EOS_ID else parts)
