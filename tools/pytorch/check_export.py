"""Loads a Replica export into the study's PyTorch model and compares it with Replica.

    python3 tools/pytorch/check_export.py EXPORT.safetensors LOGITS.npz CIFAR10_DIR [--images 100]

EXPORT.safetensors is what `replica export RUN_DIR` wrote; LOGITS.npz is what
`replica eval RUN_DIR --logits` wrote for the test split. The safetensors file is parsed here by hand
(8-byte length, JSON header, raw data), so the check does not depend on Replica's reader or on the
safetensors package. The model comes from tools/pytorch/models.py, built from the file's metadata
(replica.plugin, replica.params), and loads the weights with load_state_dict(strict=True). The test
images are read from CIFAR-10's test_batch.bin and normalised as torchvision's ToTensor and Normalize
do, or, with --pixel-mean N, as the cifar10 dataset's normalization: pixel_mean does for a run on the
first N training images validated on the test split: pixel / 255 less that pixel's mean over them. Prints the largest relative logit difference over the first images, the test accuracy on both sides,
and exits 1 when the logits of an image differ by 1e-4 or more (relative).
"""
import argparse
import json
import struct
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from models import build, current_names  # noqa: E402

DTYPES = {'F32': np.float32, 'F64': np.float64, 'I64': np.int64}
MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32)


def read_safetensors(path):
    data = Path(path).read_bytes()
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n])
    meta = header.pop('__metadata__', {})
    body = data[8 + n:]
    tensors = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        array = np.frombuffer(body[begin:end], dtype=DTYPES[info['dtype']]).reshape(info['shape'])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, meta


def read_batches(cifar_dir, names):
    raw = np.concatenate([np.fromfile(Path(cifar_dir) / n, dtype=np.uint8).reshape(-1, 3073) for n in names])
    return raw[:, 0].astype(np.int64), raw[:, 1:].reshape(-1, 3, 32, 32)


def pixel_mean(cifar_dir, n):
    """Replica's per-pixel mean: float32 pixel / 255 summed in float64 over the first n training images."""
    _, pixels = read_batches(cifar_dir, [f'data_batch_{i}.bin' for i in range(1, 6)])
    scaled = (pixels[:n].astype(np.float32) / np.float32(255)).astype(np.float64)
    return torch.from_numpy((scaled.sum(0) / n).astype(np.float32))


def test_images(cifar_dir, pixel_mean_images=0):
    labels, pixels = read_batches(cifar_dir, ['test_batch.bin'])
    x = torch.from_numpy(pixels).float().div(255)  # ToTensor
    if pixel_mean_images:
        return x.sub(pixel_mean(cifar_dir, pixel_mean_images)), torch.from_numpy(labels)
    x = x.sub(torch.from_numpy(MEAN)[:, None, None]).div(torch.from_numpy(STD)[:, None, None])  # Normalize
    return x, torch.from_numpy(labels)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('export')
    p.add_argument('logits')
    p.add_argument('cifar10')
    p.add_argument('--images', type=int, default=100)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--pixel-mean', type=int, default=0, metavar='N',
                   help='subtract the per-pixel mean of the first N training images instead (normalization: '
                        'pixel_mean, validation: test; 50000 for all)')
    a = p.parse_args()
    torch.set_num_threads(a.threads)

    state, meta = read_safetensors(a.export)
    state = current_names(meta['replica.plugin'], state)
    model = build(meta['replica.plugin'], json.loads(meta['replica.params']))
    model.load_state_dict(state, strict=True)  # names, shapes, nothing missing, nothing extra
    model.eval()

    replica = np.load(a.logits)
    replica_logits, replica_labels = replica['logits'], replica['labels']
    x, labels = test_images(a.cifar10, a.pixel_mean)
    x, labels = x[:len(replica_labels)], labels[:len(replica_labels)]  # a run may test on the first images only
    if not np.array_equal(replica_labels, labels.numpy()):
        sys.exit('the logits file is not of the CIFAR-10 test split in file order')

    outputs = []
    with torch.no_grad():
        for start in range(0, len(x), 500):
            outputs.append(model(x[start:start + 500]))
    torch_logits = torch.cat(outputs).numpy()

    n = a.images
    ours, theirs = replica_logits[:n].astype(np.float64), torch_logits[:n].astype(np.float64)
    per_image = np.linalg.norm(ours - theirs, axis=1) / np.linalg.norm(ours, axis=1)
    overall = np.linalg.norm(ours - theirs) / np.linalg.norm(ours)
    elementwise = np.max(np.abs(ours - theirs) / np.maximum(np.abs(ours), 1e-3))
    torch_accuracy = float((torch_logits.argmax(1) == labels.numpy()).mean())
    replica_accuracy = float((replica_logits.argmax(1) == replica_labels).mean())
    same_class = int((torch_logits.argmax(1) == replica_logits.argmax(1)).sum())

    print(f"model {meta['replica.model']} ({meta['replica.plugin']} {meta['replica.params']}), "
          f"{meta['replica.weights']} weights of epoch {meta['replica.epoch']}, run {meta['replica.run']}")
    print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; {len(state)} tensors loaded strictly")
    print(f"logits, first {n} test images: relative difference {overall:.3e} overall, "
          f"{per_image.max():.3e} at worst per image, {elementwise:.3e} at worst per logit")
    print(f"test accuracy: PyTorch {100 * torch_accuracy:.2f}%, Replica {100 * replica_accuracy:.2f}% "
          f"({same_class} of {len(x)} images classified alike)")
    ok = per_image.max() < 1e-4
    print('agree' if ok else 'DISAGREE')
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
