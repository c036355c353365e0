"""XPath expressions used by the ``comments`` package, one named constant per role (trafilatura's layout).

Relative expressions (starting with ``.``) are evaluated on one comment element after its nested
replies have been detached, so ``.//`` only ever sees the comment's own markup.
"""

from __future__ import annotations

from newsarchive.parsing.html import has_class


def any_cls(*names: str) -> str:
    """XPath test: the class attribute has one of the tokens ``names``. Each ``has_class`` needs a
    class attribute, so ``@class and`` first: an element without one (most elements inside a
    comment) is answered by one test instead of one per name (``JUNK``, 45 names, ran 66 µs a
    comment on the corpus)."""
    return "(@class and (" + " or ".join(has_class(n) for n in names) + "))"


# --- Removed before anything else: invisible markup, forms, widgets that list other comments. ---
# Matched in one pass over the elements (comments/markup.py::drop_non_comments) rather than by XPath:
# eight `//*[contains(...)]` scans cost ~14 ms a page on the corpus, the single pass ~2 ms.
DROP_TAGS = frozenset({"template", "noscript", "style", "script", "svg", "textarea", "button"})
HIDDEN_STYLE = r"(display|visibility)\s*:\s*(none|hidden)"
# ids and class tokens of comment forms and sidebars
NOT_COMMENT_TOKENS = (
    "respond", "commentform", "comment-form", "comment-editor", "comment-post-message",
    "reply-title", "comment-respond", "wpd-form-wrap", "wpd-form", "comment-replybox-thread",
    "comment-replybox-single", "comment-footer-form", "nocomments", "no-comments",
)
SIDEBAR_TOKENS = ("secondary", "sidebar", "widget-area")
# substrings of a class or id: recent/latest comments widgets list comments on other posts;
# related posts, sharing and author boxes are never comments
NOT_COMMENT_PARTS = (
    "recentcomments", "recent_comments", "recent-comments", "latest-comments", "top-comments",
    "most-commented", "popular-comments", "related-posts", "jp-relatedposts", "yarpp-related",
    "crp_related", "sharedaddy", "share-buttons", "sd-sharing", "author-box", "about-author",
    "author-bio", "author-info", "pinglist", "pingbacks", "trackbacks",
)
# a sidebar that holds the article itself (old themes) is kept
SIDEBAR_KEEP = ".//h1 | .//*[@id='comments']"
# comment forms, not page-wide ASP.NET forms that wrap the article itself
COMMENT_FORMS = (
    "//form[.//textarea or contains(@id, 'omment') or contains(@action, 'omment')]"
    "[not(.//h1 or .//article or .//*[@id='comments' or contains(@class, 'commentlist')"
    " or contains(@class, 'comment-list')])]"
)

# --- Inside one comment: things that are never part of its text. ---
# (``markup.junk`` reads the same in Python: the class tokens, class parts and tags below)
JUNK_CLASSES = (
    "reply", "comment-reply", "comment-reply-link", "comment-actions", "comment-links",
    "edit-link", "comment-edit-link", "says", "comment-awaiting-moderation",
    "comment-likes", "comment-like", "likes", "like-button", "report", "report-comment",
    "item-control", "comment-number", "wpd-comment-footer", "wpd-comment-share",
    "wpd-comment-link", "wc-comment-link", "wc-comment-footer", "share_buttons_box",
    "wpd-reply-button", "wpd-vote", "wpd-space", "wpd-comment-label", "screen-reader-text",
    "visually-hidden", "sr-only", "element-hidden", "avatar", "avatar-image-container",
    "thread-toggle", "continue", "links", "rdf-meta", "comment-reply-wrap",
    "ast-comment-edit-reply-wrap", "reply-link", "comment-share", "vote", "votes",
    "wp-block-comment-reply-link", "wp-block-comment-edit-link", "wpdiscuz-hellip",
)
JUNK_CLASS_PARTS = ("share-", "-share")
JUNK_READMORE_TAGS = ("a", "span", "button")
JUNK_READMORE_PARTS = ("readmore", "read-more")
JUNK_TAGS = ("img", "button", "form", "input", "select")
JUNK = (
    ".//*["
    + any_cls(*JUNK_CLASSES)
    + "".join(f" or contains(@class, '{part}')" for part in JUNK_CLASS_PARTS)
    + " or (" + " or ".join(f"self::{tag}" for tag in JUNK_READMORE_TAGS) + ")"
    + " and (" + " or ".join(f"contains(@class, '{part}')" for part in JUNK_READMORE_PARTS) + ")"
    + "".join(f" or self::{tag}" for tag in JUNK_TAGS)
    + "]"
)

# Author/date rows and headers inside a comment: their words are fields, not text.
META = (
    ".//*[self::header or self::footer]"
    "[.//*[contains(@class, 'author') or contains(@class, 'date')] or .//time]"
    " | .//*["
    + any_cls("comment-meta", "comment_meta", "comment-metadata", "commentmetadata",
              "comment-author", "vcard",
              "comment-header", "comment-info", "comment__meta", "comment_info", "comment-details")
    + " or contains(@class, 'commentMeta') or contains(@class, 'commentmeta')] | .//time"
)

# --- Comment families: elements that are one comment each. ---
# an href that can be a comment's permalink (not the author's site, not a reply/report action)
_PERMA = (
    "(contains(@href, '#') or contains(@href, 'comment'))"
    " and not(contains(@href, 'replytocom') or contains(@href, 'alert')"
    " or contains(@href, 'report') or contains(@href, '#respond'))"
)

# wpDiscuz 7 (wpd-*) and wpDiscuz 5 (wc-*)
WPDISCUZ_NODES = f"//div[{any_cls('wpd-comment', 'wc-comment')}]"
WPDISCUZ_ID = (
    ".//div[contains(@class, 'wpd-comment-right') or contains(@class, 'wc-comment-right')]/@id",
)
WPDISCUZ_AUTHOR = (f".//*[{any_cls('wpd-comment-author', 'wc-comment-author')}]",)
WPDISCUZ_DATE = (
    f".//*[{has_class('wpd-comment-date')}]//time/@datetime",
    f".//*[{has_class('wpd-comment-date')}]/@title",
    f".//*[{has_class('wpd-comment-date')}]",
    f".//*[{has_class('wc-comment-date')}]",
)
WPDISCUZ_TEXT = (f".//*[{any_cls('wpd-comment-text', 'wc-comment-text')}]",)
WPDISCUZ_PERMALINK = (
    f".//*[{has_class('wpd-comment-link')}]//@data-wpd-clipboard",
    f".//*[{has_class('wpd-comment-link')}]//a/@href",
)

BLOGGER_NODES = (
    f"//li[{has_class('comment')}][ancestor::*[{has_class('comment-thread')} or @id='comment-holder']]"
)
BLOGGER_AUTHOR = (
    f".//*[{has_class('comment-header')}]//cite",
    f".//cite[{has_class('user')}]",
    f".//*[{has_class('comment-author')}]",
    f".//*[{has_class('user')}]",
)
BLOGGER_DATE = (
    f".//*[{has_class('datetime')}]//a",
    f".//*[{has_class('datetime')}]",
    f".//*[{has_class('comment-timestamp')}]",
)
BLOGGER_TEXT = (f".//*[{has_class('comment-content')}]", f".//*[{has_class('comment-body')}]")
BLOGGER_PERMALINK = (
    f".//*[{has_class('datetime')}]//a/@href",
    ".//a[contains(@href, 'showComment=')]/@href",
)

_WP_LIST = (
    "ancestor::*[@id='comments' or contains(@class, 'commentlist')"
    " or contains(@class, 'comment-list') or contains(@class, 'comments')"
    " or contains(@class, 'wp-block-comment-template')]"
)
WP_NODES = (
    f"//li[{any_cls('comment', 'review')} or starts-with(@id, 'comment-')"
    " or starts-with(@id, 'li-comment-')]"
    f"[not({any_cls('pingback', 'trackback')})]"
    "[starts-with(@id, 'comment-') or starts-with(@id, 'li-comment-')"
    " or .//*[starts-with(@id, 'comment-') or starts-with(@id, 'div-comment-')]"
    f" or {_WP_LIST}]"
)
WP_ID = (
    ".//*[starts-with(@id, 'comment-') or starts-with(@id, 'div-comment-')"
    " or starts-with(@id, 'article-comment-')]/@id",
)
WP_AUTHOR = (
    f".//*[{has_class('comment-author')}]//*[{has_class('fn')}]",
    f".//*[{any_cls('comment__author-name', 'comment-author-name', 'comment__author')}]",
    f".//*[{has_class('fn')}]",
    f".//*[{any_cls('comment-author-name', 'wp-block-comment-author-name')}]",
    f".//*[{has_class('comment-author-link')}]",
    f".//*[{has_class('comment-author')}]//cite",
    ".//cite",
    f".//*[{has_class('comment-author')}]",
    ".//*[@itemprop='author']",
)
# last resort for dates: the author's block, "Name said, on August 3, 2019 at 3:12 pm"
_BYLINE_BLOCK = f".//*[{any_cls('comment-author', 'comment_author', 'vcard')}]"
_WP_META = (
    "comment-metadata", "commentmetadata", "comment-meta", "comment_meta", "wp-block-comment-date",
    "comment-date", "comment-time",
)
WP_DATE = (
    ".//time/@datetime",
    ".//*[@itemprop='datePublished' or @itemprop='dateCreated']/@content",
    f".//*[{any_cls(*_WP_META)}]//a",
    f".//*[{any_cls(*_WP_META)}]",
    ".//time",
    _BYLINE_BLOCK,
)
WP_TEXT = (
    f".//*[{any_cls('comment-content', 'wp-block-comment-content', 'ast-comment-content')}]",
    ".//*[@itemprop='text' or @itemprop='reviewBody' or @itemprop='description']",
    f".//*[{any_cls('comment-text', 'comment_text', 'commentbody', 'comment-entry')}]",
    f".//*[{has_class('comment-body')}][not(.//*[{has_class('comment-author')}])]",
    f".//*[{has_class('description')}]",
)
WP_PERMALINK = (
    f".//*[{any_cls(*_WP_META, 'timendate')}]//a[{_PERMA}]/@href",
    f".//time/ancestor::a[1][{_PERMA}]/@href",
    f".//time//a[{_PERMA}]/@href",
    ".//a[contains(@href, '#comment-')][not(contains(@href, 'replytocom'))]/@href",
)

DRUPAL_NODES = (
    "//*[contains(@class, 'comment')][self::article or self::div]"
    f"[{any_cls('comment', 'js-comment')}]"
    "[@data-comment-user-id or contains(@typeof, 'sioct:Comment')"
    " or contains(@about, '/comment/')"
    " or preceding-sibling::*[1][self::a[starts-with(@id, 'comment-')]]"
    " or ancestor::*[contains(@class, 'comment-wrapper') or @data-drupal-selector='comments'"
    " or contains(@class, 'field--name-comment') or contains(@class, 'field--type-comment')]]"
)
DRUPAL_ID = (
    "preceding-sibling::*[1][self::a]/@id",
    "@about",
    ".//a[contains(@class, 'permalink')]/@href",
)
DRUPAL_AUTHOR = (
    ".//*[@property='schema:author']//*[@property='schema:name']",
    f".//*[{any_cls('comment__author', 'comment-author', 'author')}]",
    ".//*[@typeof='sioc:UserAccount' or @property='foaf:name' or @property='schema:name']",
    f".//*[{has_class('username')}]",
)
DRUPAL_DATE = (
    ".//*[contains(@property, 'dateCreated') or contains(@property, 'dc:created')"
    " or contains(@property, 'dc:date')]/@content",
    ".//time/@datetime",
    "@data-comment-timestamp | .//@data-comment-timestamp",
    f".//*[{any_cls('comment__time', 'comment-date', 'created', 'submitted')}]",
)
DRUPAL_TEXT = (
    ".//*[contains(@class, 'field--name-comment-body')"
    " or contains(@class, 'field-name-comment-body')]",
    ".//*[@property='content:encoded' or @property='schema:text']",
    f".//*[{any_cls('comment__content', 'content', 'comment-content')}]",
)
DRUPAL_PERMALINK = (".//a[contains(@class, 'permalink')]/@href", "@about")
DRUPAL_TITLE = (".//h3 | .//h4",)

MICRODATA_NODES = (
    "//*[@itemscope][contains(@itemtype, 'schema.org/Comment')"
    " or contains(@itemtype, 'schema.org/UserComments')]"
)
MICRODATA_AUTHOR = (
    ".//*[@itemprop='author' or @itemprop='creator']//*[@itemprop='name']",
    ".//*[@itemprop='author' or @itemprop='creator']",
)
MICRODATA_AUTHOR_URL = (
    ".//*[@itemprop='author' or @itemprop='creator']//*[@itemprop='url']/@href",
    ".//*[@itemprop='author' or @itemprop='creator']//a/@href",
    ".//*[@itemprop='author' or @itemprop='creator']/@href",
)
MICRODATA_DATE = (
    ".//*[@itemprop='dateCreated' or @itemprop='datePublished' or @itemprop='commentTime']"
    "/@content",
    ".//*[@itemprop='dateCreated' or @itemprop='datePublished' or @itemprop='commentTime']"
    "/@datetime",
    ".//*[@itemprop='dateCreated' or @itemprop='datePublished' or @itemprop='commentTime']",
)
MICRODATA_TEXT = (".//*[@itemprop='text' or @itemprop='commentText' or @itemprop='description']",)
MICRODATA_PERMALINK = (
    ".//*[@itemprop='url'][not(ancestor::*[@itemprop='author'])]/@href",
    "@itemid",
)
MICRODATA_TITLE = (".//*[@itemprop='name' or @itemprop='headline'][not(ancestor::*[@itemprop])]",)

RDFA_NODES = (
    "//*[@typeof][contains(concat(' ', normalize-space(@typeof), ' '), 'Comment ')]"
)
RDFA_AUTHOR = (
    ".//*[contains(@property, 'author') or contains(@property, 'creator')"
    " or contains(@rel, 'author') or contains(@rel, 'creator')]//*[contains(@property, 'name')]",
    ".//*[contains(@property, 'author') or contains(@property, 'creator')]",
    ".//*[contains(@property, 'foaf:name') or @property='name' or @property='schema:name']",
)
RDFA_DATE = (
    ".//*[contains(@property, 'dateCreated') or contains(@property, 'datePublished')"
    " or contains(@property, 'created') or contains(@property, 'dc:date')]/@content",
    ".//*[contains(@property, 'dateCreated') or contains(@property, 'datePublished')"
    " or contains(@property, 'created') or contains(@property, 'dc:date')]/@datetime",
    ".//*[contains(@property, 'dateCreated') or contains(@property, 'datePublished')"
    " or contains(@property, 'created') or contains(@property, 'dc:date')]",
)
RDFA_TEXT = (
    ".//*[@property='text' or contains(@property, ':text') or contains(@property, 'commentText')"
    " or contains(@property, 'content:encoded') or contains(@property, 'sioc:content')]",
)
RDFA_PERMALINK = ("@resource", "@about")

# Generic: classes and ids that name one comment (not its parts, not the list).
GENERIC_NODE_CLASSES = (
    "comment", "comment-item", "commentitem", "comment_item", "comment-entry", "single-comment",
    "comment-single", "user-comment", "usercomment", "reader-comment", "js-comment",
    "comments-item", "comment-wrap", "commentbox", "comment-box", "kommentar", "commentaire",
    "comentario",
)
GENERIC_NODE_CLASS_RE = (
    r"(^|\s)((?!(category|tag|cat|icon|fa|has|no|show|open|closed|allow|with|count|format|type"
    r"|menu|widget|status|label|add|leave|post-format)[_-])[a-z0-9]+[_-]+)?"
    r"(comment|kommentar|commentaire|comentario)"
    r"([_-]*(item|entry|single|wrap|wrapper|box|block|row|node|container|inner|card|main))?(\s|$)"
)
GENERIC_NODES = (
    "//*[contains(@class, 'omment') or contains(@class, 'entar') or contains(@id, 'omment')]"
    "[self::li or self::article or self::div or self::section or self::tr]"
    "[(contains(@class, 'omment') or contains(@class, 'entar'))"
    f" and re:test(@class, '{GENERIC_NODE_CLASS_RE}', 'i')"
    # <ul class="commentsLists"><li class="commentsList">: the items of a list of comments
    " or self::li and contains(@class, 'omment') and contains(../@class, 'omment')"
    " and not(.//*[starts-with(@id, 'comment-') or starts-with(@id, 'comment_')])"
    " or starts-with(@id, 'comment-') or starts-with(@id, 'comment_')"
    " or starts-with(@id, 'kommentar') or starts-with(@id, 'commentaire')]"
    "[ancestor::*[contains(@id, 'omment') or contains(@class, 'omment')"
    " or contains(@id, 'reaction') or contains(@class, 'reaction')]]"
)
REGEX_NS = {"re": "http://exslt.org/regular-expressions"}
GENERIC_AUTHOR = (
    ".//*[@itemprop='author']//*[@itemprop='name']",
    ".//*["
    + any_cls("fn", "comment-author-name", "author-name", "comment-author", "comment_author",
              "commentauthor", "comment-user", "username", "user-name", "author", "commenter",
              "name", "nickname", "benutzer", "autor", "verfasser", "auteur", "usuario")
    + "]",
    ".//*[@itemprop='author']",
    ".//cite",
    ".//a[contains(@href, '/user') or contains(@href, '/profil') or contains(@href, '/member')"
    " or contains(@href, '/author/') or contains(@href, '/people/')][normalize-space()]",
    ".//*[contains(@class, 'author') or contains(@class, 'Author')]"
    "[not(contains(@class, 'avatar'))][normalize-space()]",
)
GENERIC_DATE = (
    ".//time/@datetime",
    ".//*[@itemprop='dateCreated' or @itemprop='datePublished']/@content",
    ".//*["
    + any_cls("comment-date", "comment_date", "commentdate", "comment-time", "date", "time",
              "timestamp", "published", "comment-meta", "comment-metadata", "meta",
              "comment-info", "datum", "posted", "posted-on")
    + "]",
    ".//time",
    ".//*[contains(@class, 'date') or contains(@class, 'Date')][normalize-space()]",
    _BYLINE_BLOCK,
)
GENERIC_TEXT = (
    ".//*["
    + any_cls("comment-content", "comment-text", "comment_text", "commenttext", "comment-body",
              "comment_body", "commentbody", "comment-message", "comment-entry", "comment__body",
              "comment__content", "comment__text")
    + "]",
    ".//*[@itemprop='text' or @itemprop='commentText']",
    f".//*[{any_cls('content', 'text', 'body', 'message', 'entry', 'msg')}]",
)
GENERIC_PERMALINK = (
    ".//a[contains(@href, '#comment') or contains(@href, '#c') or contains(@href, '/comment/')"
    " or contains(@href, 'showComment=')][not(contains(@href, 'reply'))]"
    "[not(contains(@href, 'alert') or contains(@href, 'report'))]/@href",
)
GENERIC_TITLE = (f".//*[{any_cls('comment-title', 'title')}] | .//h3 | .//h4 | .//h5",)

# dl-based lists: classic Blogger (dl#comments-block) and generic <dl class="comments">.
DL_LISTS = (
    "//dl[@id='comments-block' or contains(@class, 'omment') or contains(@id, 'omment')"
    " or ancestor::*[contains(@id, 'omment') or contains(@class, 'omment')]][dt and dd]"
)
DL_AUTHOR = (
    f".//*[{any_cls('fn', 'comment-author', 'author', 'user', 'name', 'username')}]",
    ".//cite",
    ".//a[@href][not(starts-with(@href, '#'))][not(contains(@href, 'showComment'))]",
    ".//strong | .//b",
)
DL_DATE = (
    ".//time/@datetime",
    f".//*[{any_cls('comment-timestamp', 'timestamp', 'date', 'time', 'comment-date', 'datum')}]",
)
DL_PERMALINK = (
    f".//*[{any_cls('comment-timestamp', 'timestamp')}]//a/@href",
    ".//a[contains(@href, 'showComment=') or contains(@href, '#c')]/@href",
)
DL_TEXT_JUNK = (
    f".//*[{any_cls('comment-timestamp', 'comment-footer', 'timestamp', 'item-control')}]"
)

JSONLD = "//script[@type='application/ld+json']/text()"
HTML_LANG = "/html/@lang"
