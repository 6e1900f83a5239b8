"""The search service: one object that owns the index, the encoder and the lexical scorer.

INTERFACE (implementation in progress):

    open_service(settings, encoder=None) -> SearchService
        Load the index from settings.index_dir when it matches the documents and model,
        otherwise build it (and save it atomically).
    rebuild(settings, previous) -> (SearchService, ReloadReport)
        Re-read settings.docs_dir, re-embed only paragraphs whose content hash changed
        (vectors of unchanged paragraphs are reused from `previous`), save, return a NEW
        service. `previous` is untouched; on failure raises ReloadError(message for users).
    SearchService.ask(question, k=None, offset=0) -> Answer      (sync, CPU-bound)
    SearchService.ask_batch(questions, k=None) -> list[Answer]   (one encode call)
    SearchService.neighbours(doc, paragraph) -> list[Hit]        (¶n-1 and ¶n+1 when servable)
    SearchService.info -> IndexInfo
    SearchService.close()
"""
