"""UI strings of the Telegram bot in Chinese (default) and English.

Every value is a ``str.format`` template of *plain* text (no markup): render.py escapes the
formatted result before it goes out with parse_mode HTML.
"""

from __future__ import annotations

from telegram import User

Lang = str  # "zh" or "en"

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
        "发送 .txt/.md/.docx 文件即可添加文档。"
    ),
    "off_topic": "文章没有涉及“{question}”。",
    "related": "文章没有直接回答这个问题，以下段落可能相关：",
    "try_these": "您可以试试这样问：",
    "sources": "出处",
    "more_header": "更多段落（第 {first}–{last} 条）：",
    "context_header": "¶{n} 的上下文（{doc}）：",
    "no_more": "没有更多段落了。",
    "no_context": "这一段前后没有可显示的段落。",
    "btn_more": "更多段落",
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
    "upload_type": "只支持 .txt、.md 和 .docx 文件。",
    "upload_too_big": "文件太大（{size} 字节），上限是 {max} 字节。",
    "upload_encoding": "“{name}”不是 UTF-8 编码（可能是 GBK）。请另存为 UTF-8 后重新上传。",
    "upload_unreadable": "无法读取“{name}”：{error}",
    "upload_empty": "“{name}”里没有文字。",
    "upload_saved": "已添加文件“{name}”。",
    "upload_rolled_back": "重新加载失败，已撤回“{name}”，仍在使用原来的索引。原因：{error}",
    "stats": (
        "文件：{documents} 份，{paragraphs} 段\n模型：{model}\n索引建立于：{built_at}\n"
        "已回答：{answered}，未涉及：{refused}\n反馈：👍 {up} / 👎 {down}\n运行时间：{uptime}"
    ),
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
    "inline_related": "文章没有直接回答这个问题，以下段落可能相关",
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
        "questions the documents could not answer; send a .txt/.md/.docx file to add a document."
    ),
    "off_topic": "The article does not cover “{question}”.",
    "related": "The article does not answer this directly; these paragraphs may be related:",
    "try_these": "Questions I can answer:",
    "sources": "Sources",
    "more_header": "More passages ({first}–{last}):",
    "context_header": "Context around ¶{n} ({doc}):",
    "no_more": "No more passages.",
    "no_context": "No paragraphs to show around this one.",
    "btn_more": "More passages",
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
    "upload_type": "Only .txt, .md and .docx files are supported.",
    "upload_too_big": "The file is too large ({size} bytes); the limit is {max} bytes.",
    "upload_encoding": "'{name}' is not UTF-8 (GBK perhaps?). Save it as UTF-8 and upload again.",
    "upload_unreadable": "Cannot read '{name}': {error}",
    "upload_empty": "'{name}' contains no text.",
    "upload_saved": "Added '{name}'.",
    "upload_rolled_back": (
        "Reload failed; '{name}' was removed again and the previous index keeps serving. "
        "Reason: {error}"
    ),
    "stats": (
        "Documents: {documents}, {paragraphs} paragraphs\nModel: {model}\nIndex built: "
        "{built_at}\nAnswered: {answered}, not covered: {refused}\nFeedback: 👍 {up} / 👎 "
        "{down}\nUptime: {uptime}"
    ),
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
    "inline_related": "The article does not answer this directly; related paragraphs",
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
