"""ConvForward.java's twin in Python's torch: one 3x3 convolution, forward and forward with backward."""
import sys
import time

import torch

torch.set_num_threads(2)
torch.set_num_interop_threads(1)
reps = int(sys.argv[1]) if len(sys.argv) > 1 else 200
g = torch.Generator().manual_seed(0)
for n, ci, co, hw in [(128, 16, 16, 32), (128, 32, 32, 16), (128, 64, 64, 8)]:
    x = torch.randn(n, ci, hw, hw, generator=g, requires_grad=True)
    w = torch.randn(co, ci, 3, 3, generator=g, requires_grad=True)
    for backward in (False, True):
        for r in range(10 + reps):
            if r == 10:
                start = time.perf_counter()
            y = torch.nn.functional.conv2d(x, w, None, 1, 1)
            if backward:
                y.sum().backward()
        ms = (time.perf_counter() - start) / reps * 1000
        print(f"torch {torch.__version__} {n}x{ci}->{co} {hw}x{hw} {'fwd+bwd' if backward else 'fwd'}: {ms:.3f} ms")
