"""A per-token b-bit KV quantizer written outside tensorkv-check, ready to audit.

tensorkv-check audit examples/int8_cache.py:TokenQuantizer --param bits=1,2,4,8
"""

import numpy as np

from tensorkv_check.audit import codec


def encode(K, V, bits=8):
    X = np.concatenate([K, V])  # every token row: keys, then values
    lo, hi = X.min(axis=1, keepdims=True), X.max(axis=1, keepdims=True)
    step = np.where(hi > lo, (hi - lo) / (2**bits - 1), 1.0).astype(np.float32)
    lo = lo.astype(np.float32)  # float32 offset and step per row
    codes = np.round((X - lo) / step).astype(np.int64)
    planes = (codes[..., None] >> np.arange(bits - 1, -1, -1)) & 1
    head = np.array([bits, K.shape[0], K.shape[1]], dtype="<u4").tobytes()
    return (
        head + np.hstack([lo, step]).astype("<f4").tobytes() + np.packbits(planes.astype(np.uint8)).tobytes()
    )


def decode(data):
    bits, n, d = (int(x) for x in np.frombuffer(data[:12], dtype="<u4"))
    lo, step = np.frombuffer(data[12 : 12 + 16 * n], dtype="<f4").reshape(2 * n, 2).T
    planes = np.unpackbits(np.frombuffer(data[12 + 16 * n :], dtype=np.uint8))[: 2 * n * d * bits]
    codes = (planes.reshape(-1, bits).astype(np.int64) << np.arange(bits - 1, -1, -1)).sum(axis=1)
    X = lo[:, None].astype(np.float64) + codes.reshape(2 * n, d) * step[:, None].astype(np.float64)
    return X[:n], X[n:]


TokenQuantizer = codec(encode, decode, name="TokenQuantizer")
TokenQuantizer.audit_params = {"bits": [1, 2, 4, 8]}
