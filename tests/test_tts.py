"""The interviewer's voice: the packaged Piper voice, espeak-ng without it, silence with a notice
without either; the cache; `interview-sim speak`; the page that plays it and says who spoke."""

from __future__ import annotations

import re
import tempfile
import threading
import time
import wave
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from simulator.config import load_read_aloud, save_read_aloud
from simulator.errors import InputError
from simulator.evaluation import bench
from simulator.speech import WhisperTranscriber, tts

from .helpers import MAX_WER, ROOT, copy_corpus, invoke, need_tool, word_error_rate

SENTENCE = "How would you detect data drift in a production model without labels?"  # 12 words
PIPER = "Piper (joe, medium)"
APP = str(ROOT / "app.py")
DRIFT = "seed-data-vs-concept-drift"


@pytest.fixture
def no_piper_voice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The voice package as if absent: its lookup points at an empty folder."""
    empty = tmp_path / "no-voice"
    empty.mkdir()
    monkeypatch.setenv(tts.VOICE_DIR_ENV, str(empty))


@pytest.fixture
def no_espeak(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """espeak-ng as if not installed: PATH holds only an empty folder."""
    empty = tmp_path / "no-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def _seconds(data: bytes, path: Path) -> float:
    path.write_bytes(data)
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def test_the_packaged_voice_says_a_sentence_in_a_plausible_time_and_whisper_understands_it(
    sim_home: Path, tmp_path: Path
) -> None:
    speech = tts.speak(SENTENCE, sim_home)
    assert speech.engine == PIPER and speech.notice is None and not speech.cached
    assert speech.audio is not None
    seconds = _seconds(speech.audio, tmp_path / "said.wav")
    assert 1.5 <= seconds <= 6.0, seconds  # 12 words at 120-480 words a minute
    assert speech.duration == pytest.approx(seconds)
    heard = WhisperTranscriber().transcribe(speech.audio).text
    assert word_error_rate(SENTENCE, heard) <= MAX_WER, heard


def test_audio_is_cached_per_text_and_voice_and_written_whole(sim_home: Path) -> None:
    first = tts.speak(SENTENCE, sim_home)
    again = tts.speak(f"  {SENTENCE}\n", sim_home)  # the same words, spaced differently
    assert again.cached and again.seconds == 0 and again.audio == first.audio
    cached = sorted((sim_home / "tts").iterdir())
    assert [p.suffix for p in cached] == [".wav"]  # one file, no temporary left behind
    espeak = tts.espeak_voice()
    assert espeak is not None
    other = tts.speak(SENTENCE, sim_home, engines=[espeak])
    assert other.engine == "espeak-ng" and not other.cached and other.audio != first.audio
    assert len(list((sim_home / "tts").iterdir())) == 2
    # A damaged entry (a crash mid-copy by some other tool) is rendered again, not played.
    cached[0].write_bytes(cached[0].read_bytes()[:30])
    repaired = tts.speak(SENTENCE, sim_home)
    assert not repaired.cached and repaired.duration > 1.5


def test_sessions_asking_at_once_render_once_and_all_get_the_whole_audio(sim_home: Path) -> None:
    results: list[tts.Speech] = []
    threads = [threading.Thread(target=lambda: results.append(tts.speak(SENTENCE, sim_home))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({r.audio for r in results}) == 1 and all(r.duration > 1.5 for r in results)
    assert sorted(r.cached for r in results) == [False, True, True, True]  # the others waited for the first
    assert len(list((sim_home / "tts").iterdir())) == 1


@pytest.mark.usefixtures("no_piper_voice")
def test_without_the_voice_package_espeak_speaks_and_says_why(sim_home: Path) -> None:
    need_tool("espeak-ng")
    speech = tts.speak(SENTENCE, sim_home)
    assert speech.engine == "espeak-ng" and speech.audio is not None
    assert 1.5 <= speech.duration <= 6.0
    assert speech.notice and "Piper voice is not installed" in speech.notice and "espeak-ng speaks" in speech.notice


@pytest.mark.usefixtures("no_piper_voice", "no_espeak")
def test_with_no_engine_nothing_is_said_and_one_notice_says_how_to_fix_it(sim_home: Path) -> None:
    speech = tts.speak(SENTENCE, sim_home)
    assert speech.audio is None and speech.engine is None and not speech.spoken
    assert speech.notice and speech.notice.startswith("Voice off: no speech engine is installed")
    assert tts.INSTALL_HINT in speech.notice and "\n" not in speech.notice


def test_an_engine_that_fails_hands_over_to_the_next_and_says_so(sim_home: Path, tmp_path: Path) -> None:
    espeak = tts.espeak_voice()
    assert espeak is not None
    broken = tts.EspeakVoice(binary="/bin/false", name="broken engine", key="broken")  # a process that exits 1
    speech = tts.speak(SENTENCE, sim_home, engines=[broken, espeak])
    assert speech.engine == "espeak-ng" and speech.audio is not None
    assert speech.notice == "broken engine failed (exit 1: no message), so espeak-ng speaks"
    silent = tts.speak(SENTENCE, tmp_path / "other-home", engines=[broken])
    assert silent.audio is None and silent.notice and silent.notice.startswith("Voice off: broken engine failed")


@pytest.mark.parametrize("text", ["", "   ", "?!", "x" * (tts.MAX_CHARS + 1)])
def test_nothing_to_say_or_too_much_is_an_input_error(sim_home: Path, text: str) -> None:
    with pytest.raises(InputError):
        tts.speak(text, sim_home)


def test_read_aloud_is_off_by_default_and_remembered(sim_home: Path) -> None:
    assert load_read_aloud(sim_home) is False
    save_read_aloud(sim_home, True)
    assert load_read_aloud(sim_home) is True
    save_read_aloud(sim_home, False)
    assert load_read_aloud(sim_home) is False
    (sim_home / "voice.json").write_text("{not json")
    assert load_read_aloud(sim_home) is False


# --- interview-sim speak --------------------------------------------------------------------


def test_speak_a_text_and_a_question_of_the_bank(sim_home: Path, tmp_path: Path, seed_only: Path) -> None:
    out = tmp_path / "said.wav"
    code, stdout, _ = invoke("speak", SENTENCE, "--out", str(out))
    assert code == 0 and f"by {PIPER}" in stdout
    assert 1.5 <= _seconds(out.read_bytes(), tmp_path / "copy.wav") <= 6.0
    code, stdout, _ = invoke("speak", "-q", DRIFT, "--out", str(out))
    assert code == 0 and f"Wrote {out}" in stdout and _seconds(out.read_bytes(), tmp_path / "copy.wav") > 1.5


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--out", "x.wav"], "give either TEXT or --question-id ID."),
        (["hello", "-q", DRIFT, "--out", "x.wav"], "give either TEXT or --question-id ID."),
        (["-q", "no-such-question", "--out", "x.wav"], "Unknown question id 'no-such-question'"),
        (["   ", "--out", "x.wav"], "Nothing to say"),
        (["hello there", "--out", "/no/such/dir/x.wav"], "cannot be written"),
    ],
)
def test_speak_errors_are_one_line(seed_only: Path, args: list[str], message: str) -> None:
    code, stdout, stderr = invoke("speak", *args)
    assert code != 0 and stdout == ""
    assert stderr.startswith("Error: ") and message in stderr and stderr.count("\n") == 1


@pytest.mark.usefixtures("no_piper_voice", "no_espeak")
def test_speak_with_no_engine_is_one_line_saying_how_to_install(tmp_path: Path) -> None:
    code, _, stderr = invoke("speak", SENTENCE, "--out", str(tmp_path / "x.wav"))
    assert code == 1 and "no speech engine is installed" in stderr and stderr.count("\n") == 1
    assert not (tmp_path / "x.wav").exists()


# --- The page -------------------------------------------------------------------------------


@pytest.fixture
def app_home(sim_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SIM_CORPUS", str(copy_corpus(tmp_path / "corpus")))
    return sim_home


def _practice() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.query_params["q"] = DRIFT
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _captions(at: AppTest) -> str:
    return "\n".join(str(c.value) for c in at.caption).replace("\\", "")


def test_practice_reads_the_question_aloud_and_says_which_voice_spoke(app_home: Path) -> None:
    at = _practice()
    assert not at.get("audio") and "Voice off: “Read questions aloud” is off in Settings." in _captions(at)
    save_read_aloud(app_home, True)
    at = _practice()
    [audio] = at.get("audio")
    assert audio.proto.autoplay and audio.proto.url  # type: ignore[attr-defined]
    assert f"Read aloud by {PIPER}." in _captions(at)
    assert len(list((app_home / "tts").glob("*.wav"))) == 1


@pytest.mark.usefixtures("no_piper_voice")
def test_practice_without_the_voice_package_says_espeak_spoke(app_home: Path) -> None:
    save_read_aloud(app_home, True)
    at = _practice()
    assert len(at.get("audio")) == 1
    assert "Read aloud by espeak-ng. The Piper voice is not installed" in _captions(at)


@pytest.mark.usefixtures("no_piper_voice", "no_espeak")
def test_practice_with_no_voice_runs_silently_with_one_notice(app_home: Path) -> None:
    save_read_aloud(app_home, True)
    at = _practice()
    assert not at.get("audio")
    notices = [str(i.value).replace("\\", "") for i in at.info if "Voice off" in str(i.value)]
    assert len(notices) == 1 and "no speech engine is installed" in notices[0]
    assert at.subheader[0].value  # the question is there to read


def test_the_settings_toggle_is_saved_for_the_next_visit(app_home: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=180)
    at.run()
    at.switch_page("ui/settings.py").run()
    toggle = at.toggle(key="read_aloud_settings")
    assert toggle.value is False and f"Spoken offline by {PIPER}." in _captions(at)
    toggle.set_value(True).run()
    assert not at.exception and load_read_aloud(app_home) is True


def test_bench_reports_each_voice_on_a_40_word_question() -> None:
    report = bench.speech_figures(repeats=1)  # `interview-sim bench --tts` takes the median of 3
    assert report["words"] == 40 and report["target_rtf_max"] == 0.3
    assert set(report["engines"]) == {PIPER, "espeak-ng"}
    for figures in report["engines"].values():
        assert 6.0 <= figures["audio_s"] <= 25.0  # 40 words at 100-400 words a minute
        assert figures["rtf"] == pytest.approx(figures["render_s"] / figures["audio_s"], abs=0.01)
        assert figures["first_audio_s"] > 0 and figures["cpu_s_per_audio_s"] > 0


def _two_turns() -> None:
    """A page with a question and a follow-up, as the mock interview shows them."""
    from ui import interviewer

    interviewer.speak("What is *data drift*? <b>Explain</b> [it](http://x.test).", "q1")
    interviewer.speak("And how would you   measure it?", "q1-follow-up")


def test_each_turn_shows_what_was_said_as_text_and_who_said_it(sim_home: Path) -> None:
    save_read_aloud(sim_home, True)
    at = AppTest.from_function(_two_turns, default_timeout=60).run()
    assert not at.exception
    said = [m.value for m in at.markdown if m.value.startswith("**Interviewer:**")]
    assert [unescape(m) for m in said] == [
        "**Interviewer:** What is *data drift*? <b>Explain</b> [it](http://x.test).",
        "**Interviewer:** And how would you measure it?",
    ]
    assert "\\<b\\>" in said[0] and "\\*data drift\\*" in said[0]  # shown as typed, not as markup
    assert len(at.get("audio")) == 2 and _captions(at).count(f"Read aloud by {PIPER}.") == 2


@pytest.mark.usefixtures("no_piper_voice", "no_espeak")
def test_without_a_voice_the_turns_are_text_under_one_notice(sim_home: Path) -> None:
    save_read_aloud(sim_home, True)
    at = AppTest.from_function(_two_turns, default_timeout=60).run()
    assert not at.exception and not at.get("audio")
    assert len(at.info) == 1 and "no speech engine is installed" in at.info[0].value
    assert sum(m.value.startswith("**Interviewer:**") for m in at.markdown) == 2


def unescape(md: str) -> str:
    return re.sub(r"\\(.)", r"\1", md).replace("\u2060", "")


def test_an_unwritable_data_dir_still_speaks_and_caches_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "not-a-dir"
    home.write_text("a file where the data dir should be")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    speech = tts.speak(SENTENCE, home)
    assert speech.engine == PIPER and speech.audio is not None and not speech.cached
    assert not list(scratch.iterdir())  # rendered in a temporary file, then removed


def test_the_cache_keeps_the_most_recently_used(sim_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tts, "MAX_CACHED", 2)
    espeak = tts.espeak_voice()
    assert espeak is not None
    for n in ("one", "two", "three"):
        tts.speak(f"Question number {n}.", sim_home, engines=[espeak])
        time.sleep(0.01)  # distinct modification times
    assert len(list((sim_home / "tts").glob("*.wav"))) == 2
    assert not tts.speak("Question number one.", sim_home, engines=[espeak]).cached  # the oldest went
    assert tts.speak("Question number three.", sim_home, engines=[espeak]).cached
