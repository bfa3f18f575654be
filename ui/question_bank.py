"""Question bank: browse and search the packs by meaning, open a question, import a pack."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from simulator import Question, SimulatorError
from simulator.bank.uploads import ACCEPTED_SUFFIXES, ImportPreview, add_pack, preview_import
from simulator.sessions import search, select
from ui.auth import runs_the_server
from ui.navigation import PRACTICE_PAGE, open_in_practice
from ui.runtime import corpus, reload_runtime, runtime, wait_ready, warm_up_last
from ui.text import bullets, md_escape, plural
from ui.widgets import WEIGHT_TAGS, question_badges, question_filter

SEARCH_RESULTS = 25
PREVIEW = "_import_preview"  # (upload id, bank id) -> the preview of that upload, or why it failed


def _details(q: Question) -> None:
    bank = corpus()
    with st.container(border=True, key="question_details"):
        st.subheader(md_escape(q.prompt))
        question_badges(q, bank)
        st.caption(md_escape(f"id: {q.id}"))
        if q.needs_review:
            st.warning(md_escape("Guessed by an importer, to be reviewed: " + ", ".join(q.needs_review)))
        st.markdown("**Reference answer**")
        st.markdown(md_escape(q.reference_answer))
        st.markdown("**Key points**")
        for k in q.key_points:
            st.markdown(f"{WEIGHT_TAGS[k.weight]} {md_escape(k.text)}")
        bullets("Follow-ups", q.follow_ups)
        if q.tags:
            st.caption(md_escape("Tags: " + ", ".join(q.tags)))
        bullets("Sources", q.sources)
        if st.button(
            "Practise this question",
            type="primary",
            key="practise_selected",
            on_click=open_in_practice,
            args=(q.id, "practice"),
        ):
            st.switch_page(PRACTICE_PAGE)


def browse() -> None:
    bank = corpus()
    st.title("Question bank")
    n_categories = len({q.category for q in bank.questions})
    st.caption(
        f"{plural(len(bank.questions), 'question')} in {plural(len(bank.packs), 'pack')}, "
        f"{plural(n_categories, 'category', 'categories')}."
    )
    query = st.text_input("Search by meaning", key="bank_query", placeholder="e.g. rolling back a bad model release")
    flt = question_filter(bank, "bank", places=st.columns(4))
    if query and query.strip():
        engine = wait_ready()
        ranked = search(engine.store, bank, query, flt, n=SEARCH_RESULTS)
        if not ranked:
            hint = "try other words" + (" or fewer filters" if flt.where() else "")
            st.info(md_escape(f"No question is close to “{query.strip()}”; {hint}."), icon=":material/search_off:")
            return
        questions = [r.question for r in ranked]
        match = {r.question.id: r.similarity for r in ranked}
        st.caption(f"The {plural(len(questions), 'question')} nearest in meaning to your search, best first.")
    else:
        questions = select(bank, flt)
        match = {}
    rows = [
        {
            **({"match": f"{match[q.id]:.0%}"} if match else {}),
            "question": q.prompt,
            "category": bank.category_title(q.category),
            "difficulty": q.difficulty,
            "kind": q.kind,
            "pack": bank.pack_of.get(q.id, ""),
        }
        for q in questions
    ]
    st.caption("Select a row to open the question.")
    event = st.dataframe(
        rows, hide_index=True, on_select="rerun", selection_mode="single-row", key="bank_table", height=360
    )
    selected = event.selection.rows if event is not None else []
    if selected and selected[0] < len(questions):
        _details(questions[selected[0]])


def importer() -> None:
    st.subheader("Import a pack")
    kinds = "a YAML pack, a markdown prep sheet (Q:/A:) or a CSV (question,answer,…)"
    st.caption(f"Upload {kinds}. It is validated first; nothing is added until you confirm.")
    upload = st.file_uploader(
        "Pack file",
        type=[s.lstrip(".") for s in ACCEPTED_SUFFIXES],
        key=f"pack_upload_{st.session_state.get('_upload_round', 0)}",  # a new key empties the uploader
        max_upload_size=5,
    )
    if upload is None:
        return
    rt = runtime()
    bank = corpus()
    settings = rt.engine.settings
    # Validating a pack and finding the bank questions it repeats takes seconds: once per upload and
    # bank, not again on every rerun the page makes while the file sits in the uploader.
    cache_key = (upload.file_id, id(bank))
    cached = st.session_state.get(PREVIEW)
    if cached is None or cached[0] != cache_key:
        result: ImportPreview | str
        engine = wait_ready()  # the duplicate check needs the model: wait for it rather than skip it
        try:
            result = preview_import(
                upload.name, upload.getvalue(), bank, settings.corpus_dir, settings.home / "tmp", engine.embedder
            )
        except SimulatorError as exc:
            result = str(exc)
        cached = st.session_state[PREVIEW] = (cache_key, result)
    if isinstance(cached[1], str):
        st.error(md_escape(cached[1]), icon=":material/error:")
        return
    _preview(cached[1], settings.corpus_dir)


def _preview(preview: ImportPreview, corpus_dir: Path) -> None:
    """Duplicates first, then what to review, then the questions to add and the button that adds them."""
    bank = corpus()
    pack = preview.pack
    st.markdown(md_escape(f"{pack.title} ({pack.pack}): {plural(len(pack.questions), 'question')}"))
    for message in preview.errors:
        st.error(md_escape(message), icon=":material/error:")
    skip = True
    if duplicates := preview.duplicates:
        where = "already in the bank" + ("" if all(d.in_bank for d in duplicates) else " or earlier in this file")
        verb = "repeats a question" if len(duplicates) == 1 else "repeat questions"
        st.warning(md_escape(f"{plural(len(duplicates), 'question')} {verb} {where}:"), icon=":material/content_copy:")
        titles = {p.pack: p.title for p in bank.packs}
        st.dataframe(
            [
                {
                    "question": d.question.prompt,
                    "repeats": d.repeats.prompt,
                    "from": titles.get(bank.pack_of.get(d.repeats.id, ""), "the bank") if d.in_bank else "this file",
                }
                for d in duplicates
            ],
            hide_index=True,
            key="import_duplicates",
        )
        skip = st.checkbox(f"Skip the {plural(len(duplicates), 'duplicate')}", value=True, key="import_skip_duplicates")
    questions = preview.to_add(skip)
    summary, details = preview.notes(questions)
    if summary:
        st.info(md_escape(" ".join(summary)), icon=":material/rate_review:")
    if details:
        n = sum(len(messages) for messages in details.values())
        with st.expander(f"Details: {plural(n, 'warning')} on {plural(len(details), 'question')}", expanded=False):
            for prompt, messages in details.items():
                st.markdown(f"**{md_escape(prompt)}**")
                st.markdown("\n".join(f"- {md_escape(m)}" for m in messages))
    if not questions:
        st.info("Nothing to add: every question of this file is already in the bank.")
        return
    st.dataframe(
        [{"id": q.id, "question": q.prompt, "category": q.category, "kind": q.kind} for q in questions],
        hide_index=True,
        key="import_preview",
    )
    if preview.ok and st.button(
        f"Add {plural(len(questions), 'question')} to the bank", type="primary", key="import_confirm"
    ):
        try:
            path = add_pack(preview, corpus_dir, skip)
        except SimulatorError as exc:
            st.error(md_escape(str(exc)))
            return
        reload_runtime()
        skipped = len(pack.questions) - len(questions)
        st.session_state["_upload_round"] = st.session_state.get("_upload_round", 0) + 1
        st.session_state["_bank_notice"] = f"Added {plural(len(questions), 'question')} to {path}." + (
            f" Skipped {plural(skipped, 'duplicate')}." if skipped else ""
        )
        st.rerun()


def main() -> None:
    if notice := st.session_state.pop("_bank_notice", None):
        st.success(md_escape(notice))
    browse()
    st.divider()
    if runs_the_server():
        importer()
    else:  # the bank is everyone's on a team server: coaches add to it
        st.caption("Coaches add packs to this server's bank.")
    warm_up_last()


main()
