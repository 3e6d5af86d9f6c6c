"""The study's networks in plain PyTorch, written as its notebook writes them.

ResNet: the hand-written CIFAR ResNet-18 in torchvision's names (conv1, bn1, layer1..4 of BasicBlocks,
each with a `downsample` Sequential of a 1x1 convolution and a BatchNorm where the shape changes, fc). VGG: torchvision's vgg*_bn layout of `features`,
an average pool, and the study's CIFAR head in `classifier` (512 -> 4096 -> 4096 -> classes). Widths
take Replica's `width` and `width_divisor` so that the CPU-scale models can be checked too.
CifarResNet: He et al. 2016's CIFAR nets as akamaster/pytorch_resnet_cifar10's resnet.py writes them
(conv1, bn1, layer1..3, linear; option A pads with zero channels, option B is a 1x1 projection),
and the plain twin without shortcuts that the paper compares them with.
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


class CifarBlock(nn.Module):
    def __init__(self, in_planes, planes, stride, shortcut):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.residual = shortcut is not None
        self.shortcut = nn.Sequential()
        self.pad = 0
        if self.residual and (stride != 1 or in_planes != planes):
            if shortcut == 'a':
                self.pad = planes // 4  # x[:, :, ::2, ::2] between planes // 4 zero channels each side
            else:
                self.shortcut = nn.Sequential(
                    nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = self.bn2(self.conv2(F.relu(self.bn1(self.conv1(x)))))
        if self.residual:
            out = out + (F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad)) if self.pad else self.shortcut(x))
        return F.relu(out)


class CifarResNet(nn.Module):
    def __init__(self, depth=20, shortcut='a', num_classes=10):
        """shortcut: 'a', 'b', or None for the plain net."""
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = nn.Conv2d(3, 16, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        layers, in_planes = [], 16
        for planes, stride in ((16, 1), (32, 2), (64, 2)):
            blocks = []
            for s in [stride] + [1] * (n - 1):
                blocks.append(CifarBlock(in_planes, planes, s, shortcut))
                in_planes = planes
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.linear = nn.Linear(64, num_classes)
        for m in self.modules():  # akamaster's _weights_init
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer3(self.layer2(self.layer1(out)))
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.linear(out)


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
    if plugin == 'cifar-resnet':
        residual = bool(params.get('residual', True))
        return CifarResNet(int(params['depth']), params.get('shortcut', 'a') if residual else None, classes)
    raise SystemExit(f'no PyTorch definition of model plugin {plugin!r} here')
