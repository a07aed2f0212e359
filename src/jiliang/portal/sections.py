"""The public portal's sections: each links to a public page an app serves (no sign-in). An app that
adds a public page adds its section here, so the portal never shows a link to a page that is missing."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PortalSection:
    title: str
    description: str
    url_name: str
    icon: str  # a symbol of ui/static/vendor/tabler-icons/sprite.svg


SECTIONS = (
    PortalSection(_("证书真伪核验"), _("输入证书编号和校验码，或上传证书文件，核验检定证书是否由本平台签发且仍然有效。"),
                  "certificate-check:check", "shield-check"),
    PortalSection(_("检定机构名录"), _("经授权的计量检定机构及其授权项目、区域和有效期。"),
                  "portal:institutions", "building-bank"),
    PortalSection(_("社会公用计量标准"), _("本市建立的社会公用计量标准，以及它们覆盖的计量器具种类。"),
                  "portal:standards", "ruler-measure"),
    PortalSection(_("透明日志"), _("每一份检定证书都写入只增不改、由独立见证方联署的透明日志，任何人都可以自行核验。"),
                  "portal:transparency", "history"),
    PortalSection(_("双随机抽查结果"), _("随机抽查的检查结果公示。"), "supervision:public-results", "clipboard-list"),
    PortalSection(_("投诉举报"), _("对计量器具、计量行为的投诉举报，提交后可凭受理编号查询办理进度。"),
                  "complaints:form", "info-circle"),
    PortalSection(_("办理进度查询"), _("凭受理编号查询投诉举报的办理进度。"), "complaints:track", "search"),
    PortalSection(_("行政处罚公示"), _("计量违法案件的行政处罚决定公示。"), "complaints:penalties", "certificate"),
)
