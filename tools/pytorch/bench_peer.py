"""The benchmark's plain-PyTorch peer: the study notebook's training loop, driven round by round.

`replica bench` starts this once per model and engine, then interleaves its rounds with Replica's and
the bare DJL loop's. The loop is the notebook's: zero_grad, forward, CrossEntropyLoss, backward,
optim.SGD step, loss.item() and the accuracy every step. Its batches are made before the clock starts
(real CIFAR-10 images when the data folder is given, normalised, not augmented), so only the loop is
timed, as for the bare DJL loop.

Protocol, one line each: it prints `ready <torch version> <threads>`; then for each line `steps N` on
stdin it trains N steps and prints `seconds S`; `profile N PATH` does the same under torch's profiler,
writes its Chrome trace to PATH and prints `seconds S faults F` (minor page faults); it ends at `quit`
or end of input.
"""
import argparse
import json
import os
import sys
import time

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import models  # noqa: E402

MEAN = (0.4914, 0.4822, 0.4465)
STD = (0.2470, 0.2435, 0.2616)


def batches(cifar_dir, batch, count, classes, shape):
    """`count` batches of CIFAR-10 training images (data_batch_1.bin, in file order), else noise."""
    images = batch * count
    path = os.path.join(cifar_dir, 'data_batch_1.bin') if cifar_dir else None
    if path and os.path.isfile(path) and classes == 10 and tuple(shape) == (3, 32, 32):
        with open(path, 'rb') as f:
            raw = f.read(min(10000, images) * 3073)
        records = torch.frombuffer(bytearray(raw), dtype=torch.uint8).view(-1, 3073)
        labels = records[:, 0].long()
        x = records[:, 1:].view(-1, 3, 32, 32).float().div(255)
        x = (x - torch.tensor(MEAN).view(1, 3, 1, 1)) / torch.tensor(STD).view(1, 3, 1, 1)
        reps = (images + x.shape[0] - 1) // x.shape[0]
        x, labels = x.repeat(reps, 1, 1, 1)[:images], labels.repeat(reps)[:images]
    else:
        g = torch.Generator().manual_seed(0)
        x = torch.randn(images, *shape, generator=g)
        labels = torch.randint(0, classes, (images,), generator=g)
    return [(x[i * batch:(i + 1) * batch].contiguous(), labels[i * batch:(i + 1) * batch].contiguous())
            for i in range(count)]


def minor_faults():
    """The process's minor page faults so far (Linux), or -1 where /proc does not say."""
    try:
        with open('/proc/self/stat') as f:
            return int(f.read().rsplit(')', 1)[1].split()[7])
    except (OSError, IndexError, ValueError):
        return -1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--plugin', required=True)
    p.add_argument('--params', required=True, help='the model\'s resolved params, as JSON')
    p.add_argument('--batch', type=int, default=128)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--lr', type=float, default=0.1)
    p.add_argument('--momentum', type=float, default=0.9)
    p.add_argument('--weight-decay', type=float, default=5e-4)
    p.add_argument('--cifar10', default=None)
    p.add_argument('--batches', type=int, default=16)
    p.add_argument('--classes', type=int, default=10)
    p.add_argument('--shape', default='3,32,32', help='one example\'s shape, e.g. 3,32,32')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    net = models.build(a.plugin, json.loads(a.params))
    net.train()
    criterion = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(net.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    data = batches(a.cifar10, a.batch, a.batches, a.classes, [int(v) for v in a.shape.split(',')])
    print(f'ready {torch.__version__} {torch.get_num_threads()}', flush=True)
    k = 0

    def train(n):
        nonlocal k
        train_loss, correct, total = 0.0, 0, 0
        start = time.perf_counter()
        for _ in range(n):
            inputs, targets = data[k % len(data)]
            k += 1
            optimizer.zero_grad()
            outputs = net(inputs)
            loss = criterion(outputs, targets)
            loss.backward()
            optimizer.step()
            train_loss += loss.item()
            _, predicted = outputs.max(1)
            total += targets.size(0)
            correct += predicted.eq(targets).sum().item()
        return time.perf_counter() - start

    for line in sys.stdin:
        words = line.split(maxsplit=2)
        if not words or words[0] == 'quit':
            break
        if words[0] == 'profile':
            # torch's own profiler over N steps, its Chrome trace to the path (the rest of the line), and
            # the minor page faults those steps took (touches of memory the process had not used yet)
            faults = minor_faults()
            with torch.autograd.profiler.profile() as prof:
                seconds = train(int(words[1]))
            faults = minor_faults() - faults
            prof.export_chrome_trace(words[2].rstrip('\n'))
            print(f'seconds {seconds:.6f} faults {faults}', flush=True)
        else:
            print(f'seconds {train(int(words[1])):.6f}', flush=True)


if __name__ == '__main__':
    main()
