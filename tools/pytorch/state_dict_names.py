"""Prints `name shape` for every entry of a model's state_dict (num_batches_tracked left out):
what Replica's pytorchNames must produce. Usage: state_dict_names.py resnet|vgg|cifar-resnet"""
import sys
from models import build

PARAMS = {'resnet': {'depth': 18, 'width': 64},
          'vgg': {'depth': 19, 'batch_norm': True, 'width_divisor': 1, 'dropout': 0.5},
          'cifar-resnet': {'depth': 20, 'residual': True, 'shortcut': 'b'}}
model = build(sys.argv[1], PARAMS[sys.argv[1]])
for name, tensor in model.state_dict().items():
    if not name.endswith('num_batches_tracked'):
        print(name, 'x'.join(str(d) for d in tensor.shape))
