"""Writes images of CIFAR-10's test split as PNG files, for trying `replica predict`.

    python3 tools/cifar10_png.py CIFAR10_DIR OUT_DIR INDEX...

Each image is written as OUT_DIR/test-<index>-<class>.png, 32 x 32, its bytes exactly the test batch's.
Only the standard library is used.
"""
import struct
import sys
import zlib
from pathlib import Path

NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']


def png(width, height, rgb_rows):
    def chunk(kind, data):
        body = kind + data
        return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body) & 0xffffffff)
    raw = b''.join(b'\x00' + row for row in rgb_rows)
    return (b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0))
            + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))


def main():
    root, out, indices = Path(sys.argv[1]), Path(sys.argv[2]), [int(i) for i in sys.argv[3:]]
    data = (root / 'test_batch.bin').read_bytes()
    out.mkdir(parents=True, exist_ok=True)
    for i in indices:
        record = data[i * 3073:(i + 1) * 3073]
        label, planes = record[0], record[1:]
        rows = [bytes(b for x in range(32) for b in (planes[y * 32 + x], planes[1024 + y * 32 + x],
                                                     planes[2048 + y * 32 + x])) for y in range(32)]
        path = out / f'test-{i}-{NAMES[label]}.png'
        path.write_bytes(png(32, 32, rows))
        print(path)


if __name__ == '__main__':
    main()
