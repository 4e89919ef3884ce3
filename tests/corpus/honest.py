"""Honest answers written from the notebooks' text alone, phrased differently from the instructor's solutions.

The audit (``cookbook/audit.py``) must raise no flag on any of them: a loop where the solution has a
comprehension, ``torch.where`` for arithmetic with a mask, a helper function of the student's own, a class
with ``__init__``/``forward``, ``%timeit``/``%time``, a ``print`` to look at an intermediate value, a standard
module (``math``) the notebook does not import. ``tests/cookbook/test_audit.py`` puts each answer into its
exercise cell of the released notebook and audits the result (the audit reads code; it runs nothing). Each
answer is also meant to pass its exercise's tests: keep it so when you add one.
"""
from __future__ import annotations

from typing import NamedTuple


class Answer(NamedTuple):
    notebook: str   # <chapter>/<notebook>.ipynb
    grade_id: str   # the exercise cell it answers
    how: str        # how it differs from the instructor's solution
    source: str


ANSWERS = [
    Answer("ch01_tensors/01_setup_and_creating_tensors.ipynb", "ex_1_2a_code",
           "generator seeded in two steps, keywords",
           '''def dice_rolls(shape: tuple[int, ...], seed: int) -> torch.Tensor:
    gen = torch.Generator()
    gen.manual_seed(seed)
    rolls = torch.randint(low=1, high=7, size=tuple(shape), generator=gen)
    return rolls
'''),
    Answer("ch01_tensors/01_setup_and_creating_tensors.ipynb", "ex_1_2b_code",
           "torch.full with dtype/device instead of full_like/new_full",
           '''def constant_like(t: torch.Tensor, value, shape=None) -> torch.Tensor:
    size = t.shape if shape is None else shape
    return torch.full(size, value, dtype=t.dtype, device=t.device)
'''),
    Answer("ch01_tensors/03_linear_regression.ipynb", "ex_1_6c_code",
           "a loop with prints, the choice computed with math.isfinite",
           '''import math

final_mse = {}
for lr in LR_CANDIDATES:
    w_end, b_end, _ = fit_line(x_wide, y_wide, lr=lr, n_iters=STEP_BUDGET)
    mse = ((w_end * x_wide + b_end - y_wide) ** 2).mean().item()
    final_mse[lr] = mse
    print(f"lr={lr}: final MSE {mse:.4f}")
stable = [lr for lr in LR_CANDIDATES if math.isfinite(final_mse[lr]) and final_mse[lr] < 1.0]
CHOSEN_LR = max(stable)
'''),
    Answer("ch02_neural_networks/01_network_and_loss.ipynb", "ex_2_1a_code",
           "a for loop instead of a generator expression",
           '''def count_parameters(model: nn.Module, trainable_only: bool = True) -> int:
    total = 0
    for p in model.parameters():
        if trainable_only and not p.requires_grad:
            continue
        total += p.numel()
    return total
'''),
    Answer("ch02_neural_networks/01_network_and_loss.ipynb", "ex_2_3a_code",
           "max-shifted log-softmax by hand, indexing instead of gather",
           '''def cross_entropy_from_logits(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    shifted = logits - logits.max(dim=1, keepdim=True).values
    log_probs = shifted - shifted.exp().sum(dim=1, keepdim=True).log()
    picked = log_probs[torch.arange(len(targets)), targets]
    return -picked.mean()
'''),
    Answer("ch02_neural_networks/02_training_dropout_functional.ipynb", "ex_2_4b_code",
           "decorator no_grad, in-place add_ with alpha",
           '''@torch.no_grad()
def sgd_step(params: list, lr: float, weight_decay: float = 0.0) -> None:
    for p in params:
        if p.grad is not None:
            p.add_(p.grad + weight_decay * p, alpha=-lr)
'''),
    Answer("ch02_neural_networks/02_training_dropout_functional.ipynb", "ex_2_5a_code",
           "torch.where with a boolean mask",
           '''def my_dropout(x: torch.Tensor, p: float, training: bool) -> torch.Tensor:
    if not training or p == 0:
        return x
    if p >= 1:
        return torch.zeros_like(x)
    keep = torch.rand_like(x) >= p
    return torch.where(keep, x / (1 - p), torch.zeros_like(x))
'''),
    Answer("ch02_neural_networks/02_training_dropout_functional.ipynb", "ex_2_6c_code",
           "a class with __init__/forward, SGD with momentum, a named constant",
           '''LEARNING_RATE = 0.05


class ChallengeNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.hidden = nn.Linear(28 * 28, 256)
        self.out = nn.Linear(256, 10)

    def forward(self, x):
        x = F.relu(self.hidden(self.flatten(x)))
        return self.out(x)


def make_challenge_model() -> nn.Module:
    return ChallengeNet()


def make_challenge_optimizer(params) -> torch.optim.Optimizer:
    return torch.optim.SGD(params, lr=LEARNING_RATE, momentum=0.9)


CHALLENGE_BATCH_SIZE = 64
'''),
    Answer("ch03_cnn_vision/01_convolutions_and_pooling.ipynb", "ex_3_2a_code",
           "explicit loops over the output positions",
           '''def max_pool2d_manual(x: torch.Tensor, kernel_size: int, stride: int) -> torch.Tensor:
    height, width = x.shape[-2], x.shape[-1]
    out_h = (height - kernel_size) // stride + 1
    out_w = (width - kernel_size) // stride + 1
    rows = []
    for i in range(out_h):
        cols = []
        for j in range(out_w):
            window = x[..., i * stride:i * stride + kernel_size, j * stride:j * stride + kernel_size]
            cols.append(window.amax(dim=(-2, -1)))
        rows.append(torch.stack(cols, dim=-1))
    return torch.stack(rows, dim=-2)
'''),
    Answer("ch04_rnn_nlp/01_tokenization_and_fields.ipynb", "ex_4_2a_code",
           "list.insert/append and a while loop",
           '''def field_pad(ids: list[int], fix_length: int, pad_id: int, sos_id: int | None = None,
              eos_id: int | None = None) -> list[int]:
    room = fix_length - (sos_id is not None) - (eos_id is not None)
    out = list(ids[:room])
    if sos_id is not None:
        out.insert(0, sos_id)
    if eos_id is not None:
        out.append(eos_id)
    while len(out) < fix_length:
        out.append(pad_id)
    return out
'''),
    Answer("ch04_rnn_nlp/02_dataset_and_iterators.ipynb", "ex_4_4b_code",
           "accumulating loop with .item()",
           '''def padding_fraction(batches: list[torch.Tensor], pad_id: int) -> float:
    pads, total = 0, 0
    for batch in batches:
        pads += (batch == pad_id).sum().item()
        total += batch.numel()
    if total == 0:
        return 0.0
    return pads / total
'''),
    Answer("ch05_transfer_learning/01_pretrained_model.ipynb", "ex_5_1a_code",
           "functional pooling in forward, nothing built in __init__",
           '''class ConcatPool2d(nn.Module):
    def __init__(self, output_size=1):
        super().__init__()
        self.output_size = output_size

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        biggest = F.adaptive_max_pool2d(x, self.output_size)
        average = F.adaptive_avg_pool2d(x, self.output_size)
        return torch.cat((biggest, average), dim=-3)
'''),
    Answer("ch05_transfer_learning/02_data_and_tensorboard.ipynb", "ex_5_4b_code",
           "short/long side names, one return",
           '''def resized_shape(height: int, width: int, size) -> tuple[int, int]:
    if isinstance(size, (list, tuple)):
        h, w = size
        return int(h), int(w)
    if height <= width:
        return size, int(size * width / height)
    return int(size * height / width), size
'''),
    Answer("ch05_transfer_learning/03_training_and_finetuning.ipynb", "ex_5_6a_code",
           "os.path and os.remove instead of pathlib and os.unlink",
           '''import tempfile

def safe_save(obj, path) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp_name = tempfile.mkstemp(dir=folder, suffix=".tmp")
    os.close(fd)
    try:
        torch.save(obj, tmp_name)
    except BaseException:
        os.remove(tmp_name)
        raise
    os.replace(tmp_name, path)
'''),
    Answer("ch06_mnist_from_scratch/01_raw_files_to_tensors.ipynb", "ex_6_1a_code",
           "reads the whole file, int.from_bytes instead of struct",
           '''def read_idx(path) -> np.ndarray:
    with gzip.open(path, "rb") as fh:
        data = fh.read()
    if data[0] != 0 or data[1] != 0 or data[2] != 8:
        raise ValueError(f"{path}: not an unsigned-byte idx file")
    ndim = data[3]
    shape = tuple(int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim))
    values = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if values.size != int(np.prod(shape)):
        raise ValueError(f"{path}: {values.size} values, the header says {shape}")
    return values.reshape(shape)
'''),
    Answer("ch06_mnist_from_scratch/02_lenet_training.ipynb", "ex_6_4a_code",
           "a loop over the two blocks instead of a helper",
           '''def flatten_size(height: int, width: int) -> int:
    for _ in range(2):
        height = (height - 4) // 2
        width = (width - 4) // 2
    return 20 * height * width
'''),
    Answer("ch07_data_pipelines/01_custom_datasets.ipynb", "ex_7_1b_code",
           "a while loop over batch starts",
           '''def batch_sizes(n: int, batch_size: int, drop_last: bool = False) -> list[int]:
    sizes = []
    start = 0
    while start < n:
        size = min(batch_size, n - start)
        if size == batch_size or not drop_last:
            sizes.append(size)
        start += batch_size
    return sizes
'''),
    Answer("ch07_data_pipelines/03_samplers_and_collation.ipynb", "ex_7_4a_code",
           "float64 counts first, then indexing",
           '''def class_balancing_weights(labels: torch.Tensor) -> torch.Tensor:
    counts = torch.bincount(labels).to(torch.float64)
    per_class = 1.0 / counts
    return per_class[labels]
'''),
    Answer("ch08_training_practice/02_losses.ipynb", "ex_8_2b_code",
           "torch.full then writing the true class",
           '''def smoothed_targets(targets: torch.Tensor, num_classes: int, smoothing: float) -> torch.Tensor:
    off = smoothing / num_classes
    out = torch.full((len(targets), num_classes), off)
    out[torch.arange(len(targets)), targets] = 1.0 - smoothing + off
    return out
'''),
    Answer("ch08_training_practice/03_loss_debugging.ipynb", "ex_8_4b_code",
           "softmax and log_softmax, torch.clamp against log(0)",
           '''def entropy_from_logits(logits: torch.Tensor) -> torch.Tensor:
    probs = torch.softmax(logits, dim=1)
    log_probs = torch.log(torch.clamp(probs, min=1e-30))
    log_probs = torch.where(probs > 0, torch.log_softmax(logits, dim=1), log_probs)
    return -(probs * log_probs).sum(dim=1)
'''),
    Answer("ch08_training_practice/04_optimizers_schedules.ipynb", "ex_8_5a_code",
           "named intermediate values",
           '''def warmup_cosine_lr(step: int, base_lr: float, warmup_steps: int, total_steps: int, min_lr: float = 0.0,
                     start_factor: float = 0.1) -> float:
    if step < warmup_steps:
        fraction = step / warmup_steps
        return float(base_lr * (start_factor + (1.0 - start_factor) * fraction))
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    cosine = 0.5 * (1.0 + math.cos(math.pi * progress))
    return float(min_lr + (base_lr - min_lr) * cosine)
'''),
    Answer("ch09_transfer_and_performance/04_profiling.ipynb", "ex_9_4a_code",
           "sorted middle value instead of statistics.median, a %time check",
           '''import time

def measure(fn, warmup: int = 2, repeat: int = 5) -> float:
    if repeat < 1:
        raise ValueError("repeat must be at least 1")
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    times.sort()
    mid = len(times) // 2
    return times[mid] if len(times) % 2 else (times[mid - 1] + times[mid]) / 2

%time print(measure(lambda: sum(range(1000))))
'''),
    Answer("ch09_transfer_and_performance/07_distributed_data_parallel.ipynb", "ex_9_7a_code",
           "math.ceil, a repeated list, range with a step",
           '''import math

def shard_indices(n: int, rank: int, world_size: int, shuffle: bool = True, seed: int = 0,
                  epoch: int = 0) -> list[int]:
    if shuffle:
        g = torch.Generator()
        g.manual_seed(seed + epoch)
        order = torch.randperm(n, generator=g).tolist()
    else:
        order = list(range(n))
    total = math.ceil(n / world_size) * world_size
    padded = (order * (total // max(n, 1) + 1))[:total]
    return [padded[i] for i in range(rank, total, world_size)]
'''),
    Answer("ch04_rnn_nlp/01_tokenization_and_fields.ipynb", "ex_4_1a_code",
           "a helper of their own for the longest match, %timeit of it",
           '''def longest_piece(word, start, pieces):
    for end in range(len(word), start, -1):
        candidate = word[start:end]
        if start > 0:
            candidate = "##" + candidate
        if candidate in pieces:
            return candidate, end
    return None, start


def wordpiece(word: str, pieces: set[str], unk: str = "<unk>") -> list[str]:
    out, start = [], 0
    while start < len(word):
        piece, start = longest_piece(word, start, pieces)
        if piece is None:
            return [unk]
        out.append(piece)
    return out

%timeit -n 10 -r 3 wordpiece("unaffable", {"un", "##aff", "##able"})
'''),
]
