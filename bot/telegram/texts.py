"""UI strings of the Telegram bot in Chinese (default) and English.

Every value is a ``str.format`` template of *plain* text (no markup): render.py escapes the
formatted result before it goes out with parse_mode HTML.
"""

from __future__ import annotations

from collections.abc import Mapping

from telegram import User

from bot.serving.documents import SUPPORTED

Lang = str  # "zh" or "en"
KINDS = " ".join(SUPPORTED)  # the file types admins may send

_ZH: dict[str, str] = {
    "intro": (
        "您好！我是文件问答机器人，只根据已收录的文件回答问题，并注明出处段落（¶n）。\n"
        "我现在知道 {documents} 份文件（{names}），共 {paragraphs} 段。"
    ),
    "how_private": "直接发送问题即可。",
    "how_group": "在群里请 @{bot} 提问、回复我的消息，或发送 /ask 问题。",
    "examples": "例如：",
    "admin_help": (
        "管理员命令：/reload 重新加载文件，/stats 运行统计，/gaps 文件没能回答的问题；"
        "/docs 文件列表，/remove 删除文件；发送文件（PDF、扫描件、OFD、Word、网页、文本）即可添加或替换。"
    ),
    "off_topic": "文章没有涉及“{question}”。",
    "related": "文章没有直接回答这个问题，以下段落可能相关：",
    "off_topic_library": "资料中没有涉及“{question}”。",
    "related_library": "资料中没有直接回答这个问题，以下段落可能相关：",
    "related_document": "《{doc}》没有直接回答这个问题，以下段落可能相关：",
    "try_these": "您可以试试这样问：",
    "sources": "出处",
    "more_header": "更多段落（第 {first}–{last} 条）：",
    "context_header": "¶{n} 的上下文（{doc}）：",
    "no_more": "没有更多段落了。",
    "no_context": "这一段前后没有可显示的段落。",
    "btn_more": "更多段落",
    "btn_suggest": "您是不是想问：{question}",
    "btn_context": "上下文",
    "stale": "这个按钮已过期，请重新提问。",
    "thanks": "谢谢您的反馈！",
    "rate_limited": "提问太频繁了，请 {seconds} 秒后再试。",
    "too_long": "问题太长了（{n} 字），请精简到 {max} 字以内再问。",
    "empty": "请把问题写在命令后面，例如：/ask {example}",
    "blank": "请直接输入您的问题，例如：{example}",
    "media": "我只能回答文字问题，请用文字提问。",
    "file_not_admin": "只有管理员可以上传文档。有问题请直接用文字提问。",
    "unknown_command": "我不认识这个命令。发送 /help 查看用法。",
    "not_admin": "抱歉，您无权使用这个命令。",
    "not_ready": "我还在加载文件，请稍后再试。",
    "reload_done": (
        "重新加载完成：{documents} 份文件，{paragraphs} 段，重新嵌入 {reembedded} 段，"
        "用时 {seconds:.2f} 秒。"
    ),
    "reload_failed": "重新加载失败，仍在使用原来的索引。原因：{error}",
    "upload_type": "支持的文件格式：{kinds}。",
    "upload_too_big": "文件太大（{size_mb} MB），上限是 {limit_mb} MB。",
    "upload_saved": "已添加文件“{name}”（{paragraphs} 段{pages}）。",
    "upload_replaced": "已替换文件“{name}”：新增 {added} 段，修改 {changed} 段，删除 {removed} 段。",
    "doc_reading": "正在读取“{name}”…",
    "doc_pages": "正在读取“{name}”：第 {done}/{total} 页…",
    "doc_ocr": "正在识别扫描页：第 {done}/{total} 页…",
    "doc_indexing": "正在建立索引（{paragraphs} 段）…",
    "doc_keywords": "已可按关键词检索（{paragraphs} 段）…",
    "doc_embedding": "正在建立语义索引 {percent}%…",
    "doc_embedded": "完成",
    "doc_embed_later": "语义索引尚未完成，将在后台继续（重启后接着建立）。",
    "doc_page_count": "，{pages} 页",
    "doc_too_large": "“{name}”太大（{size_mb} MB），上限是 {limit_mb} MB。",
    "doc_too_many_pages": "“{name}”有 {pages} 页，超过上限 {limit} 页。请拆分后上传。",
    "doc_too_many_scanned_pages": (
        "“{name}”有 {pages} 页扫描件需要文字识别，超过上限 {limit} 页。请拆分后上传。"
    ),
    "doc_encrypted": "“{name}”有密码保护，无法读取。请去掉密码后重新上传。",
    "doc_corrupt": "“{name}”已损坏或不完整，无法读取。",
    "doc_zip_bomb": "“{name}”解压后过大（上限 {limit_mb} MB），已拒绝。",
    "doc_no_text": "“{name}”中没有可识别的文字。",
    "doc_garbled": "“{name}”的文字层是乱码（字体映射损坏），文字识别也读不出来，已拒绝。",
    "doc_no_converter": (
        "无法读取“{name}”：{suffix} 文件需要 LibreOffice 转换，本机未安装。请另存为 .docx 后上传。"
    ),
    "doc_mismatch": "“{name}”的扩展名与内容不符。请用正确的扩展名重新上传。",
    "doc_unsupported": "不支持“{name}”的格式。支持的格式：{kinds}。",
    "doc_encoding": "无法识别“{name}”的文字编码（支持 UTF-8、UTF-16、GB18030/GBK）。",
    "reload_skipped": "以下 {count} 个文件无法读取，已跳过：",
    "docs_header": "已收录 {count} 份文件：",
    "docs_line": "{rank}. {name}{about}：{paragraphs} 段{pages}{added}{embedding}",
    "docs_embedding": "（正在建立语义索引，暂按关键词检索）",
    "docs_about": "（{about}）",
    "docs_added": "，{when} 由 {who} 添加",
    "docs_none": "文件夹里还没有文件。发送文件即可添加。",
    "remove_usage": "用法：/remove 文件名（/docs 列出文件）",
    "remove_unknown": "没有名为“{name}”的文件。发送 /docs 查看文件列表。",
    "remove_confirm": "确定删除“{name}”（{paragraphs} 段）吗？",
    "remove_yes": "删除",
    "remove_no": "取消",
    "remove_cancelled": "已取消，没有删除任何文件。",
    "remove_done": "已删除“{name}”。",
    "remove_last": "“{name}”是最后一份文件，不能删除（至少要保留一份）。",
    "upload_rolled_back": "重新加载失败，已撤回“{name}”，仍在使用原来的索引。原因：{error}",
    "stats": (
        "文件：{documents} 份，{paragraphs} 段\n模型：{model}\n索引建立于：{built_at}\n"
        "已回答：{answered}，未涉及：{refused}\n反馈：👍 {up} / 👎 {down}\n运行时间：{uptime}"
    ),
    "stats_unparsable": "最近 {days} 天无法解析的更新：{count} 条（已保存，未回答）",
    "stats_unparsable_line": "#{update_id}：{reason}",
    "gaps_header": "最近 {days} 天没有答上或被点 👎 的问题（相同问题合并计数，次数多的在前）：",
    "gaps_line": "{rank}. {question}（{count} 次：未答上 {not_answered}，👎 {down}）",
    "gaps_none": "最近 {days} 天没有没答上或被点 👎 的问题。",
    "error": "抱歉，出了点问题，请稍后再试。",
    "teach_stale": "{n} 条教学需要重新确认（所教段落已修改或删除，暂不使用）。",
    "teach_stale_item": "需要重新确认：",
    "teach_gap": "选择回答这个问题的段落：",
    "btn_not_covered": "文章未涉及",
    "taught": "已记住",
    "taught_not_covered": "已记住：“{question}”文章未涉及，今后不再回答。",
    "taught_paragraph": "已记住：“{question}”→ ¶{n}（{doc}）。要加粗哪一句？（可不选）",
    "taught_bold": "已设为加粗句",
    "teach_changed": "文件已修改，请重新发送 /gaps。",
    "reason_ask": "哪里不对？（可不选）",
    "reason_off_topic": "答非所问",
    "reason_incomplete": "不完整",
    "reason_wrong": "内容有误",
    "gaps_reasons": "（👎 原因：{reasons}）",
    "gaps_choices": "（提问者选了：{choices}）",
    "cmd_ask": "提问：/ask 问题",
    "cmd_help": "用法和示例问题",
    "cmd_reload": "重新加载文件（管理员）",
    "cmd_docs": "已收录的文件（管理员）",
    "cmd_remove": "删除文件：/remove 文件名（管理员）",
    "cmd_gaps": "没答上的问题（管理员）",
    "cmd_stats": "运行统计（管理员）",
    "btn_handoff": "转人工",
    "handoff_forward": "转人工：{who} 问：\n{question}\n（回复本消息即可答复对方）",
    "handoff_sent": "已转给工作人员，他们会在这里答复您。",
    "handoff_again": "已经转过了，请稍候。",
    "handoff_failed": "暂时无法转人工，请稍后再试。",
    "handoff_reply": "人工回复（关于“{question}”）：\n{text}",
    "handoff_delivered": "已转达。",
    "handoff_undelivered": "没能转达给对方。",
    "digest_header": "问答周报（{start} 至 {end}）",
    "digest_counts": "提问 {asked} 个，答上 {share:.0f}%。",
    "digest_change": "与上周（{asked_before} 个）相比：提问 {asked:+d} 个，答上率 {share:+.0f} 个百分点。",
    "digest_gaps": "没答上最多的问题：",
    "digest_gap_line": "{rank}. {question}（{count} 次）",
    "digest_down": "被点 👎 的回答：",
    "digest_down_line": "• {question}（👎 {down}，引用 {cited}）",
    "digest_none": "（无）",
}

_EN: dict[str, str] = {
    "intro": (
        "Hello! I answer questions from the documents I have read, citing paragraphs (¶n).\n"
        "I know {documents} document(s) ({names}) with {paragraphs} paragraphs."
    ),
    "how_private": "Just send your question.",
    "how_group": "In groups, mention @{bot}, reply to one of my messages, or send /ask question.",
    "examples": "For example:",
    "admin_help": (
        "Admin commands: /reload re-reads the documents, /stats shows statistics, /gaps lists "
        "questions the documents could not answer, /docs lists the documents, /remove deletes one; "
        "send a file (PDF, scans, OFD, Word, web page, text) to add or replace a document."
    ),
    "off_topic": "The article does not cover “{question}”.",
    "related": "The article does not answer this directly; these paragraphs may be related:",
    "off_topic_library": "The documents do not cover “{question}”.",
    "related_library": "The documents do not answer this directly; these paragraphs may be related:",
    "related_document": "“{doc}” does not answer this directly; these paragraphs may be related:",
    "try_these": "Questions I can answer:",
    "sources": "Sources",
    "more_header": "More passages ({first}–{last}):",
    "context_header": "Context around ¶{n} ({doc}):",
    "no_more": "No more passages.",
    "no_context": "No paragraphs to show around this one.",
    "btn_more": "More passages",
    "btn_suggest": "Did you mean: {question}",
    "btn_context": "Context",
    "stale": "This button has expired; please ask again.",
    "thanks": "Thanks for your feedback!",
    "rate_limited": "Too many questions; please try again in {seconds} s.",
    "too_long": "Your question is too long ({n} characters); keep it under {max}.",
    "empty": "Please write the question after the command, e.g. /ask {example}",
    "blank": "Please type your question, e.g. {example}",
    "media": "I can only answer text questions; please type your question.",
    "file_not_admin": "Only admins can upload documents. Please ask your question as text.",
    "unknown_command": "I don't know that command. Send /help to see how to use me.",
    "not_admin": "Sorry, you are not allowed to use this command.",
    "not_ready": "I am still loading the documents; please try again shortly.",
    "reload_done": (
        "Reload done: {documents} document(s), {paragraphs} paragraphs, {reembedded} "
        "re-embedded, {seconds:.2f} s."
    ),
    "reload_failed": "Reload failed; the previous index keeps serving. Reason: {error}",
    "upload_type": "Supported formats: {kinds}.",
    "upload_too_big": "The file is too large ({size_mb} MB); the limit is {limit_mb} MB.",
    "upload_saved": "Added '{name}' ({paragraphs} paragraphs{pages}).",
    "upload_replaced": "Replaced '{name}': {added} paragraphs added, {changed} changed, {removed} removed.",
    "doc_reading": "Reading '{name}'…",
    "doc_pages": "Reading '{name}': page {done}/{total}…",
    "doc_ocr": "Recognising scanned pages: {done}/{total}…",
    "doc_indexing": "Indexing ({paragraphs} paragraphs)…",
    "doc_keywords": "Searchable by keyword ({paragraphs} paragraphs)… ",
    "doc_embedding": "building the semantic index {percent}%…",
    "doc_embedded": "done",
    "doc_embed_later": (
        "The semantic index is not finished yet; it goes on in the background (and after a restart)."
    ),
    "doc_page_count": ", {pages} pages",
    "doc_too_large": "'{name}' is too large ({size_mb} MB); the limit is {limit_mb} MB.",
    "doc_too_many_pages": "'{name}' has {pages} pages, over the limit of {limit}. Please split it.",
    "doc_too_many_scanned_pages": (
        "'{name}' has {pages} scanned pages to recognise, over the limit of {limit}. Please split it."
    ),
    "doc_encrypted": "'{name}' is password-protected. Remove the password and upload it again.",
    "doc_corrupt": "'{name}' is damaged or incomplete and cannot be read.",
    "doc_zip_bomb": "'{name}' unpacks to too much data (limit {limit_mb} MB); refused.",
    "doc_no_text": "'{name}' contains no readable text.",
    "doc_garbled": (
        "'{name}' has a garbled text layer (broken font maps) that OCR cannot read either; refused."
    ),
    "doc_no_converter": (
        "'{name}' cannot be read: {suffix} files need LibreOffice, which is not installed. Save it as .docx."
    ),
    "doc_mismatch": (
        "The extension of '{name}' does not match its content. Upload it with the right extension."
    ),
    "doc_unsupported": "The format of '{name}' is not supported. Supported: {kinds}.",
    "doc_encoding": "Cannot tell the text encoding of '{name}' (UTF-8, UTF-16 and GB18030/GBK are read).",
    "reload_skipped": "{count} file(s) could not be read and were left out:",
    "docs_header": "{count} document(s):",
    "docs_line": "{rank}. {name}{about}: {paragraphs} paragraphs{pages}{added}{embedding}",
    "docs_embedding": " (semantic index being built; searchable by keyword meanwhile)",
    "docs_about": " ({about})",
    "docs_added": ", added {when} by {who}",
    "docs_none": "The folder has no documents yet. Send a file to add one.",
    "remove_usage": "Usage: /remove FILE NAME (/docs lists them)",
    "remove_unknown": "There is no document named '{name}'. Send /docs for the list.",
    "remove_confirm": "Delete '{name}' ({paragraphs} paragraphs)?",
    "remove_yes": "Delete",
    "remove_no": "Cancel",
    "remove_cancelled": "Cancelled; nothing was deleted.",
    "remove_done": "Deleted '{name}'.",
    "remove_last": "'{name}' is the last document and cannot be deleted (keep at least one).",
    "upload_rolled_back": (
        "Reload failed; '{name}' was removed again and the previous index keeps serving. "
        "Reason: {error}"
    ),
    "stats": (
        "Documents: {documents}, {paragraphs} paragraphs\nModel: {model}\nIndex built: "
        "{built_at}\nAnswered: {answered}, not covered: {refused}\nFeedback: 👍 {up} / 👎 "
        "{down}\nUptime: {uptime}"
    ),
    "stats_unparsable": (
        "Updates of the last {days} days that could not be parsed: {count} (kept, not answered)"
    ),
    "stats_unparsable_line": "#{update_id}: {reason}",
    "gaps_header": (
        "Questions of the last {days} days that were not answered or got 👎 (the same "
        "question counted together, most frequent first):"
    ),
    "gaps_line": "{rank}. {question} ({count}×: not answered {not_answered}, 👎 {down})",
    "gaps_none": "No question of the last {days} days went unanswered or got 👎.",
    "error": "Sorry, something went wrong. Please try again later.",
    "teach_stale": (
        "{n} taught answer(s) need confirming again (their paragraph changed or is gone; not used)."
    ),
    "teach_stale_item": "Confirm again: ",
    "teach_gap": "Choose the paragraph that answers: ",
    "btn_not_covered": "Not covered",
    "taught": "Remembered",
    "taught_not_covered": "Remembered: “{question}” is not covered; it will not be answered.",
    "taught_paragraph": "Remembered: “{question}” → ¶{n} ({doc}). Which sentence to bold? (optional)",
    "taught_bold": "Sentence set in bold",
    "teach_changed": "The documents changed; send /gaps again.",
    "reason_ask": "What was wrong? (optional)",
    "reason_off_topic": "Off the point",
    "reason_incomplete": "Incomplete",
    "reason_wrong": "Wrong",
    "gaps_reasons": " (👎 reasons: {reasons})",
    "gaps_choices": " (askers chose: {choices})",
    "cmd_ask": "Ask: /ask question",
    "cmd_help": "How to use, examples",
    "cmd_reload": "Re-read the documents (admins)",
    "cmd_docs": "Documents loaded (admins)",
    "cmd_remove": "Delete a document: /remove NAME (admins)",
    "cmd_gaps": "Questions not answered (admins)",
    "cmd_stats": "Statistics (admins)",
    "btn_handoff": "Ask a person",
    "handoff_forward": "Hand-off: {who} asks:\n{question}\n(Reply to this message to answer them.)",
    "handoff_sent": "Sent to a person; they will answer you here.",
    "handoff_again": "Already sent; please wait.",
    "handoff_failed": "Cannot reach a person right now; please try again later.",
    "handoff_reply": "Answer from a person (about “{question}”):\n{text}",
    "handoff_delivered": "Delivered.",
    "handoff_undelivered": "Could not deliver it.",
    "digest_header": "Weekly digest ({start} to {end})",
    "digest_counts": "{asked} questions, {share:.0f}% answered.",
    "digest_change": (
        "Against last week ({asked_before}): {asked:+d} questions, answered {share:+.0f} points."
    ),
    "digest_gaps": "Most frequent unanswered questions:",
    "digest_gap_line": "{rank}. {question} ({count}×)",
    "digest_down": "Answers voted 👎:",
    "digest_down_line": "• {question} (👎 {down}, citing {cited})",
    "digest_none": "(none)",
}

STRINGS: dict[Lang, dict[str, str]] = {"zh": _ZH, "en": _EN}


def lang_of(user: User | None) -> Lang:
    """UI language for ``user``: English when their language_code starts with "en"."""
    code = (user.language_code or "") if user is not None else ""
    return "en" if code.lower().startswith("en") else "zh"


def t(lang: Lang, key: str, **values: object) -> str:
    """The ``key`` string in ``lang`` (Chinese when unknown), formatted with ``values``."""
    template = STRINGS.get(lang, _ZH).get(key) or _ZH[key]
    return template.format(**values) if values else template


# a status message still at work
WORKING = ("doc_reading", "doc_pages", "doc_ocr", "doc_indexing", "doc_keywords")


def is_working(text: str) -> bool:
    """Whether ``text`` is a status message the bot will still edit ("正在读取…")."""
    return any(text.startswith(table[key].split("{")[0]) for table in STRINGS.values() for key in WORKING)


def problem_text(lang: Lang, reason: str, values: Mapping[str, object]) -> str:
    """Why a document could not be read, in ``lang``: ``reason`` is a key of
    bot/engine/documents/formats/model.py REASONS, ``values`` what the reader said (sizes in
    bytes are shown in MB; a value the reader did not give shows as "?")."""
    shown: dict[str, object] = {"name": "?", "pages": "?", "limit": "?", "kinds": KINDS}
    shown.update(values)
    for key in ("size", "limit"):
        number = values.get(key)
        if isinstance(number, int):
            shown[f"{key}_mb"] = f"{number / 1_048_576:.1f}"
    shown.setdefault("size_mb", "?")
    shown.setdefault("limit_mb", "?")
    template = STRINGS.get(lang, _ZH).get(f"doc_{reason}") or _ZH["doc_corrupt"]
    return template.format_map(shown)
