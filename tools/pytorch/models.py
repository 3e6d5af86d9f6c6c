"""The study's two networks in plain PyTorch, written as its notebook writes them.

ResNet: the hand-written CIFAR ResNet-18 in torchvision's names (conv1, bn1, layer1..4 of BasicBlocks,
each with a `downsample` Sequential of a 1x1 convolution and a BatchNorm where the shape changes, fc). VGG: torchvision's vgg*_bn layout of `features`,
an average pool, and the study's CIFAR head in `classifier` (512 -> 4096 -> 4096 -> classes). Widths
take Replica's `width` and `width_divisor` so that the CPU-scale models can be checked too.
"""
import re
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class BasicBlock(nn.Module):
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or in_planes != planes:
            self.downsample = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + (x if self.downsample is None else self.downsample(x)))


class ResNet(nn.Module):
    def __init__(self, num_blocks=(2, 2, 2, 2), width=64, num_classes=10):
        super().__init__()
        self.in_planes = width
        self.conv1 = nn.Conv2d(3, width, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.layer1 = self._make_layer(width, num_blocks[0], 1)
        self.layer2 = self._make_layer(width * 2, num_blocks[1], 2)
        self.layer3 = self._make_layer(width * 4, num_blocks[2], 2)
        self.layer4 = self._make_layer(width * 8, num_blocks[3], 2)
        self.fc = nn.Linear(width * 8, num_classes)

    def _make_layer(self, planes, blocks, stride):
        layers = []
        for s in [stride] + [1] * (blocks - 1):
            layers.append(BasicBlock(self.in_planes, planes, s))
            self.in_planes = planes
        return nn.Sequential(*layers)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.fc(out)


VGG_LAYOUTS = {
    11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
    13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
    16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
    19: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M',
         512, 512, 512, 512, 'M'],
}


class VGG(nn.Module):
    def __init__(self, depth=19, batch_norm=True, width_divisor=1, dropout=0.5, num_classes=10):
        super().__init__()
        layers, channels = [], 3
        for v in VGG_LAYOUTS[depth]:
            if v == 'M':
                layers.append(nn.MaxPool2d(2, 2))
                continue
            v //= width_divisor
            layers.append(nn.Conv2d(channels, v, 3, padding=1))
            if batch_norm:
                layers.append(nn.BatchNorm2d(v))
            layers.append(nn.ReLU(inplace=True))
            channels = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        hidden = 4096 // width_divisor
        self.classifier = nn.Sequential(
            nn.Linear(channels, hidden), nn.ReLU(True), nn.Dropout(dropout),
            nn.Linear(hidden, hidden), nn.ReLU(True), nn.Dropout(dropout),
            nn.Linear(hidden, num_classes))

    def forward(self, x):
        return self.classifier(torch.flatten(self.avgpool(self.features(x)), 1))


# Before Replica named them as torchvision does, a resnet export said `layerN.M.shortcut.K.*` and `linear.*`.
FORMER_RESNET_NAMES = [(re.compile(r'^(layer\d+\.\d+)\.shortcut\.'), r'\1.downsample.'), (re.compile(r'^linear\.'), 'fc.')]


def current_names(plugin, state):
    """A state_dict with a former export's names read as today's; says on stderr when it renamed any."""
    if plugin != 'resnet':
        return state
    renamed = {}
    for name, tensor in state.items():
        now = name
        for pattern, replacement in FORMER_RESNET_NAMES:
            now = pattern.sub(replacement, now)
        renamed[now] = tensor
    changed = sum(1 for a, b in zip(state, renamed) if a != b)
    if changed:
        print(f'read {changed} tensors under the names an earlier Replica gave them (shortcut.*, linear.*) '
              'as downsample.*, fc.*; a new export writes these names', file=sys.stderr)
    return renamed


def build(plugin, params):
    """The network for a Replica model plugin and its resolved params (as exported in the metadata)."""
    classes = int(params.get('classes', 10))
    if plugin == 'resnet':
        blocks = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}[int(params['depth'])]
        return ResNet(blocks, int(params['width']), classes)
    if plugin == 'vgg':
        return VGG(int(params['depth']), bool(params['batch_norm']), int(params['width_divisor']),
                   float(params['dropout']), classes)
    raise SystemExit(f'no PyTorch definition of model plugin {plugin!r} here')
