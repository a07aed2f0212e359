"""The transparency log in the database: a queue of appended entries and the integrated log.

Writers add ``PendingEntry`` rows in their own transaction (``services.append``), so an entry is
durable exactly when the record it describes commits. The sequencer (``sequencer.py``) alone moves
them into the log: under a lock it gives them the next contiguous indexes, writes their entry
bundles and tile hashes (``StoredTile``, the C2SP tlog-tiles resources), indexes them by record
(``LogEntry``) and advances ``TreeHead``; then it signs ``SignedCheckpoint`` notes that witnesses
cosign (``Cosignature``). Nothing but the sequencer writes these tables, and it only appends.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

class PendingEntry(models.Model):
    """An appended entry waiting for the sequencer; deleted when it is integrated."""

    kind = models.CharField(_("类型"), max_length=64)
    record_id = models.CharField(_("记录编号"), max_length=128)
    data = models.BinaryField(_("条目"))
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("待入日志条目")
        verbose_name_plural = _("待入日志条目")
        ordering = ["id"]


class LogEntry(models.Model):
    """Where an entry landed: the index of each record's entries (the entry bytes are in bundles)."""

    index = models.BigIntegerField(_("序号"), primary_key=True)
    kind = models.CharField(_("类型"), max_length=64)
    record_id = models.CharField(_("记录编号"), max_length=128)

    class Meta:
        verbose_name = _("日志条目")
        verbose_name_plural = _("日志条目")
        ordering = ["index"]
        indexes = [models.Index(fields=["kind", "record_id", "index"], name="ledger_entry_record")]


class StoredTile(models.Model):
    """One tile (level >= 0, concatenated 32-byte hashes) or entry bundle (``ENTRY_BUNDLE_LEVEL``).

    A row holds the tile at the widest it has reached; a partial tile of width W is its first W
    hashes (or entries), so one row serves every ``.p/W`` path of that tile.
    """

    level = models.SmallIntegerField(_("层"))
    index = models.BigIntegerField(_("编号"))
    width = models.PositiveSmallIntegerField(_("宽度"))
    data = models.BinaryField(_("内容"))

    class Meta:
        verbose_name = _("瓦片")
        verbose_name_plural = _("瓦片")
        constraints = [
            models.UniqueConstraint(fields=["level", "index"], name="ledger_tile_level_index")
        ]


class TreeHead(models.Model):
    """The one row (pk 1, made on first use) saying how many entries are integrated and their
    root; updating it is the sequencer's lock on SQLite."""

    size = models.BigIntegerField(_("条目数"), default=0)
    root_hash = models.BinaryField(_("根哈希"))
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("树头")
        verbose_name_plural = _("树头")


class SignedCheckpoint(models.Model):
    """A checkpoint note signed by the log (Ed25519 and ML-DSA-44); one per tree size."""

    size = models.BigIntegerField(_("条目数"), unique=True)
    note = models.BinaryField(_("签名检查点"))
    created_at = models.DateTimeField(_("签署时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("检查点")
        verbose_name_plural = _("检查点")
        ordering = ["size"]


class Cosignature(models.Model):
    """A witness's cosignature line on a checkpoint, verified against the witness key."""

    checkpoint = models.ForeignKey(
        SignedCheckpoint, on_delete=models.PROTECT, related_name="cosignatures"
    )
    witness = models.CharField(_("见证方"), max_length=255)
    line = models.TextField(_("联署签名行"))
    created_at = models.DateTimeField(_("联署时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("见证联署")
        verbose_name_plural = _("见证联署")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "witness"], name="ledger_cosig_once")
        ]
