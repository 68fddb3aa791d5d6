#!/bin/sh
# Prepares the King James Bible corpus and trains the SentencePiece tokenizer
# for the kjv model (models/kjv/). Idempotent; deterministic.
#
#   scripts/kjv/prepare_corpus.sh [BUILD_DIR]      (default: build/kjv)
#
# 1. Installs Debian's bible-kjv (text + the `bible` reader), sentencepiece
#    (spm_train/spm_encode/spm_decode) and libopenblas0-openmp (for training
#    speed, see scripts/kjv/blas.py) with apt-get when they are missing.
# 2. Dumps all 31,102 verses, Genesis 1:1 to Revelation 22:21, with
#    `bible -f` (one verse per line, "Ge1:1 In the beginning ..."), and strips
#    the leading book/chapter:verse reference, so every line is the plain text
#    of one verse (ASCII, no trailing newline inside a verse, no numbers).
# 3. Splits by whole books: the held-out books (HELDOUT below: Ruth,
#    Ecclesiastes, Mark, Galatians -- narrative, wisdom, gospel, epistle;
#    about 3.3% of the text) go to heldout.txt, every other book, in canonical
#    order, to train.txt.
# 4. Trains the tokenizer on train.txt only (BPE, vocabulary 3000, byte
#    fallback, identity normalization) unless MODEL_OUT already exists and
#    RETRAIN_TOKENIZER is unset, and encodes both splits to ids
#    (train.ids, heldout.ids: one line of space-separated ids per verse, no
#    BOS/EOS; the Python side appends </s> = 2 after every verse).
#
# Outputs in BUILD_DIR (not committed): kjv_all.txt (reference + text),
# train.txt, heldout.txt, train.ids, heldout.ids, and the tokenizer under
# BUILD_DIR/tokenizer.{model,vocab}; copy it to models/kjv/ with
# INSTALL_TOKENIZER=1 (that is how the committed models/kjv/tokenizer.model
# was made).
set -eu

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/build/kjv}
mkdir -p "$OUT"

# Book abbreviations as printed by `bible` (bible-kjv 4.x).
HELDOUT='Ruth Eccl Mark Gal'

need=""
command -v bible >/dev/null 2>&1 || need="$need bible-kjv"
command -v spm_train >/dev/null 2>&1 || need="$need sentencepiece"
# OpenBLAS: Debian's python3-torch uses whatever libblas.so.3 is selected; the
# reference BLAS makes training ~50x slower. scripts/kjv/blas.py puts this
# OpenBLAS first on LD_LIBRARY_PATH for the kjv scripts only.
[ -e /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3 ] || \
    [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ] || \
    [ -e /usr/lib/aarch64-linux-gnu/openblas-openmp/libblas.so.3 ] || \
    [ -e /usr/lib/aarch64-linux-gnu/openblas-pthread/libblas.so.3 ] || need="$need libopenblas0-openmp"
if [ -n "$need" ]; then
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y $need
fi

export LC_ALL=C
# -f: one verse per line, no wrapping ("Ge1:1 text").
COLUMNS=100000 bible -f 'Genesis 1:1-Revelation 22:21' > "$OUT/kjv_all.txt"
n=$(wc -l < "$OUT/kjv_all.txt")
if [ "$n" -ne 31102 ]; then
    echo "prepare_corpus: expected 31102 verses from bible-kjv, got $n" >&2
    exit 1
fi

pattern=$(echo "$HELDOUT" | sed 's/ /|/g')
# The reference is [digit]Letters digits:digits followed by one space.
strip='s/^[0-9]?[A-Za-z]+[0-9]+:[0-9]+ //'
grep -Ev "^($pattern)[0-9]+:" "$OUT/kjv_all.txt" | sed -E "$strip" > "$OUT/train.txt"
grep -E "^($pattern)[0-9]+:" "$OUT/kjv_all.txt" | sed -E "$strip" > "$OUT/heldout.txt"
if grep -q '[0-9]' "$OUT/train.txt" "$OUT/heldout.txt"; then
    echo "prepare_corpus: a verse reference was not stripped" >&2
    exit 1
fi

if [ ! -f "$OUT/tokenizer.model" ] || [ -n "${RETRAIN_TOKENIZER:-}" ]; then
    spm_train --input="$OUT/train.txt" --model_prefix="$OUT/tokenizer" \
        --model_type=bpe --vocab_size=3000 --byte_fallback=true \
        --character_coverage=1.0 --normalization_rule_name=identity \
        --input_sentence_size=0 --shuffle_input_sentence=false \
        --split_digits=true --max_sentence_length=4096 \
        --unk_id=0 --bos_id=1 --eos_id=2 --pad_id=-1 \
        --num_threads=2 > "$OUT/spm_train.log" 2>&1
fi
if [ -n "${INSTALL_TOKENIZER:-}" ]; then
    cp "$OUT/tokenizer.model" "$OUT/tokenizer.vocab" "$ROOT/models/kjv/"
fi

# Encode with the committed tokenizer when there is one (that is what the
# model was trained with), otherwise with the freshly trained one.
TOK="$ROOT/models/kjv/tokenizer.model"
[ -f "$TOK" ] || TOK="$OUT/tokenizer.model"
spm_encode --model="$TOK" --output_format=id < "$OUT/train.txt" > "$OUT/train.ids"
spm_encode --model="$TOK" --output_format=id < "$OUT/heldout.txt" > "$OUT/heldout.ids"

echo "prepare_corpus: $(wc -l < "$OUT/train.txt") train verses ($(wc -c < "$OUT/train.txt") bytes)," \
     "$(wc -l < "$OUT/heldout.txt") held-out verses ($(wc -c < "$OUT/heldout.txt") bytes) [$HELDOUT]," \
     "$(wc -w < "$OUT/train.ids") + $(wc -w < "$OUT/heldout.ids") tokens, tokenizer $TOK"
