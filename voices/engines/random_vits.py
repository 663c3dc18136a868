"""Coqui VITS models with random weights, for tests and benchmarks (nothing can be downloaded).

``build_vits(folder, size="tiny")`` writes Coqui's layout (config.json + model_file.pth) that the
production loader reads exactly like a downloaded model. "thorsten" matches the architecture of
tts_models/de/thorsten/vits (Coqui's VitsArgs defaults, 22.05 kHz, espeak German phonemes), so
speed and ONNX/quantisation accuracy measured on it carry over to the real voice.
"""

from __future__ import annotations

from pathlib import Path

TINY_ARGS = dict(
    hidden_channels=16,
    hidden_channels_ffn_text_encoder=32,
    num_heads_text_encoder=2,
    num_layers_text_encoder=1,
    num_layers_posterior_encoder=1,
    num_layers_flow=1,
    kernel_size_flow=3,
    resblock_kernel_sizes_decoder=[3],
    resblock_dilation_sizes_decoder=[[1, 3, 5]],  # resblock type "1" needs three
    upsample_rates_decoder=[8, 8, 2, 2],  # product = hop length 256
    upsample_initial_channel_decoder=32,
    upsample_kernel_sizes_decoder=[16, 16, 4, 4],
    speaker_embedding_channels=16,
    use_sdp=False,  # the stochastic predictor has a fixed 192-channel width: 5 MB instead of 1
)


def build_vits(folder: Path, size: str = "tiny", seed: int = 0) -> Path:
    """Write a random-weight German VITS to ``folder``; returns the folder."""
    import torch
    from TTS.tts.configs.shared_configs import BaseAudioConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    from voices.engines.coqui import setup_coqui

    setup_coqui()  # our libespeak phonemizer, so building needs no espeak-ng binary either
    torch.manual_seed(seed)
    args = VitsArgs(init_discriminator=False, **(TINY_ARGS if size == "tiny" else {}))
    config = VitsConfig(
        model_args=args,
        # No silence trimming: random weights make quiet audio that Coqui would cut at the first dip.
        audio=BaseAudioConfig(
            sample_rate=22050, fft_size=1024, hop_length=256, win_length=1024, num_mels=80, do_trim_silence=False
        ),
        use_phonemes=True,
        phonemizer="espeak",
        phoneme_language="de",
        text_cleaner="phoneme_cleaners",
        add_blank=True,
    )
    model = Vits.init_from_config(config)  # builds the tokenizer + characters into model.config
    model.eval()
    _calibrate_speaking_rate(model)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save_json(str(folder / "config.json"))
    torch.save({"model": model.state_dict(), "config": model.config.to_dict()}, folder / "model_file.pth")
    return folder


CALIBRATION_TEXT = "Die Bundesregierung hat am Mittwoch ein neues Gesetz zum Ausbau der Windenergie beschlossen."


def _calibrate_speaking_rate(model) -> None:
    """Give the random model a human speaking rate.

    Untrained duration predictors emit about one frame per token, so a random VITS would say a
    sentence in a fraction of the real time, and any RTF measured on it would be too high (the
    text side of the network costs per token, the decoder per frame). We set length_scale so
    the model takes as long as espeak-ng's German voice for the same sentence.
    """
    import torch

    from voices.engines import espeak_ng

    target = len(espeak_ng.synthesize(CALIBRATION_TEXT)) / espeak_ng.sample_rate()
    ids = torch.tensor([model.tokenizer.text_to_ids(CALIBRATION_TEXT)])
    with torch.inference_mode():
        torch.manual_seed(0)
        got = model.inference(ids)["model_outputs"].shape[-1] / model.config.audio.sample_rate
    scale = round(max(1.0, target / got), 2)
    model.length_scale = scale
    model.args.length_scale = scale
    model.config.model_args.length_scale = scale
