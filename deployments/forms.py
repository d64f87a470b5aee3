"""The parameter forms of the deployments: one pydantic model per flow whose fields carry the Chinese
title and description the Prefect UI shows above each input. The fields mirror the flow's signature
(tests/test_deployments.py keeps them in step); the flow's own types stay authoritative."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

RUN_PARAMETERS = Field(None, title="运行参数", description="逐项填写；不改动的项使用默认值")
OPERATOR = Field(
    None, title="操作人", description="记录在作品库中的操作人姓名；留空则为运行该流程的机器上配置的操作人"
)


class IntakeForm(BaseModel):
    paths: list[str] | None = Field(
        None, title="作品包路径", description="工作机上可读到的文件夹、压缩包或 .eml/.mbox 文件路径，每行一个"
    )
    for_submission: str | None = Field(
        None, title="补交到受理编号", description="这些文件是对某件已受理作品的补交时，填写其受理编号"
    )
    sources: bool = Field(
        False, title="读取全部投稿来源", description="读取投稿文件夹、收件存储桶和邮箱中的新作品包"
    )
    screen: bool = Field(True, title="登记后立即审核", description="关闭则只登记入库，稍后由批量审核处理")
    received_at: str | None = Field(
        None,
        title="认定收到时间",
        description="作品经其他途径按时送达时，由工作人员认定的收到时间，按北京时间填写，"
        "如 2026-11-30 20:00、2026年11月30日 20:00；不能晚于当前时间",
        json_schema_extra={"as_text": True},  # typed text in Beijing time, not the UI's UTC widget
    )
    received_set_by: str | None = Field(None, title="认定人", description="认定收到时间的工作人员姓名")


class ScreenSubmissionForm(BaseModel):
    submission_id: str = Field(
        title="受理编号",
        description="要审核的作品的完整受理编号；已审完的视频不会重复审核，随后更新结论与回执",
    )


class ScreenFilesForm(BaseModel):
    paths: list[str] = Field(title="视频文件路径", description="工作机上可读到的视频文件路径，每行一个")
    record: bool = Field(True, title="写入作品库", description="把原件和检查结果保存到作品库与对象存储")


class ModelForm(BaseModel):
    """Flows whose one parameter is a pydantic model (its fields carry their own titles)."""

    parameters: None = RUN_PARAMETERS


class JudgingAssignForm(BaseModel):
    per_work: int = Field(title="每件作品的评审人数", description="每件作品分配给多少位评审专家")
    min_matched: int = Field(
        title="最少同类别专家数", description="每件作品至少有几位擅长该类别的专家；0 表示不作要求"
    )
    originality: bool = Field(title="先查重", description="分配前先检查作品之间的近似重复")
    packets_dir: str | None = Field(
        None, title="评审材料文件夹", description="在工作机上生成各专家评审材料包的文件夹；留空则不生成"
    )
    redo: list[str] | None = Field(
        None,
        title="重新分配的作品",
        description="类别更正后等情况：这些评审编号的作品，未评分的专家撤下重选，其他作品不变；每行一个",
    )
    operator: str | None = OPERATOR


class JudgingForm(BaseModel):
    special: float = Field(title="特等比例", description="建议名单中特等作品所占比例，如 0.1 表示 10%")
    excellent: float = Field(
        title="优秀比例", description="建议名单中优秀作品所占比例（含特等），如 0.3 表示 30%"
    )
    approve: bool = Field(
        title="直接按建议批准", description="不等待人工审批，直接按建议名单记录（仅用于演练）"
    )
    approver: str | None = Field(None, title="审批人", description="审批人姓名，会记录在批准的名单上")
    timeout_s: int = Field(
        title="等待审批时限（秒）", description="暂停等待审批的最长时间，超时则本次运行结束"
    )
    poll_interval_s: int = Field(title="审批查询间隔（秒）", description="暂停期间多久检查一次是否已提交审批")


class PublishForm(BaseModel):
    submission_ids: list[str] | None = Field(
        None, title="受理编号", description="只发布这些作品；留空则发布最新批准的优秀作品名单"
    )
    preset: str | None = Field(
        None, title="编码速度预设", description="x264 预设，默认 medium；veryfast 更快但文件更大"
    )


class OutboxForm(BaseModel):
    approve_kinds: list[str] | None = Field(
        None,
        title="批准的邮件类别",
        description="批准这些类别的全部待批准邮件：receipt 受理回执、reminder 提醒、packet 评审材料、"
        "result 评审结果；留空则不批准，只起草和发送此前已批准的邮件",
    )
    approver: str | None = Field(None, title="批准人", description="按类别批准时必填，会记录在每封邮件上")
    send: bool = Field(True, title="发送已批准的邮件", description="通过 SMTP 从活动邮箱发出已批准的邮件")


class ExpertsForm(BaseModel):
    path: str = Field(
        title="专家名单文件",
        description="工作机上可读到的专家名单表格（.xlsx/.csv：姓名、单位、专长、最大评审数、联系方式）",
    )
    dropped_scores: Literal["保留已交评分", "删除其评分"] | None = Field(
        None,
        title="新名单去掉的专家",
        description="新名单不含某些已分配作品的专家时须选择：保留已交评分（未评的作品重新分配），"
        "或删除其评分（其全部作品重新分配）；留空则这种情况下不导入",
    )
    operator: str | None = OPERATOR


class PacketsForm(BaseModel):
    out: str = Field(title="输出文件夹", description="在工作机上生成各专家评审包的文件夹（不存在则新建）")
    links: bool = Field(
        False, title="改用限时链接", description="不拷贝视频，改用对象存储（MinIO/S3）的限时观看链接"
    )
    days: float = Field(7, title="链接有效天数", description="限时链接的有效天数，最长7天")
    include_scored: bool = Field(
        False, title="重发已评分的作品", description="也把专家已评分的作品放入评审包（默认不重发）"
    )


class ScoresForm(BaseModel):
    paths: list[str] = Field(
        title="评分表文件", description="工作机上可读到的专家交回的评分表（.xlsx/.csv），每行一个"
    )
    replace: bool = Field(
        False, title="更正已导入的评分", description="用新表替换此前导入的同一专家对同一作品的评分"
    )
    operator: str | None = OPERATOR


class RankingForm(BaseModel):
    special: float = Field(
        0.1, title="特别优秀名额", description="比例（小于1，如 0.1 表示 10%）或件数（如 2）"
    )
    excellent: float = Field(
        0.3, title="特别优秀与优秀合计名额", description="比例（小于1，如 0.3 表示 30%）或件数"
    )


SUBMISSION_ID = Field(title="受理编号", description="作品的受理编号（可只写前几位）")


class DecideForm(BaseModel):
    submission_id: str = SUBMISSION_ID
    action: str = Field(
        title="决定",
        description="同意逾期报送（仅限晚于截止时间收到的作品）、免除该项（须选择检查项）、不予受理、"
        "撤销作品、重新审核视频（只记录）、按现行设置重新核对报送材料、更正收到时间（须填写收到时间）、"
        "撤回决定（须填写决定序号）",
    )
    note: str | None = Field(
        None, title="理由", description="必填（撤回决定除外），如“经筹备组同意延期至12月2日”"
    )
    check: str | None = Field(None, title="检查项", description="免除该项时：所免除的检查项")
    value: str | None = Field(
        None,
        title="收到时间或决定序号",
        description="更正收到时间：北京时间，如 2026-11-28 10:00；撤回决定：该作品第几项决定，如 1",
    )
    operator: str | None = OPERATOR


class WithdrawForm(BaseModel):
    submission_id: str = SUBMISSION_ID
    note: str = Field(title="理由", description="必填，如“与另一件作品重复报送”")
    mistake: bool = Field(
        False,
        title="误收",
        description="不是参赛作品（如误投的文件）：从作品列表、汇总表、看板和评审中移除，原件保留；"
        "可用“撤回决定”恢复",
    )
    operator: str | None = OPERATOR


class RescreenForm(BaseModel):
    submission_id: str = SUBMISSION_ID
    note: str = Field("重新审核", title="理由", description="记录在作品的决定中")
    operator: str | None = OPERATOR


class RecheckForm(BaseModel):
    note: str = Field("设置变更后重新核对", title="理由", description="记录在每件作品的决定中")
    operator: str | None = OPERATOR


class OriginalForm(BaseModel):
    submission_id: str = SUBMISSION_ID
    out: str | None = Field(
        None,
        title="保存到的文件夹",
        description="工作机上的文件夹（不存在则新建），原件的副本保存在这里；留空则列出对象存储（MinIO/S3）"
        "中原件的下载链接（7天内有效）",
    )


class CategoryForm(BaseModel):
    number: str = Field(title="评审编号", description="参评作品的评审编号，如 0003")
    category: str = Field(title="类别", description="微专题、微纪录片、微动漫、Vlog、情景再现")
    operator: str | None = OPERATOR


class OriginalityForm(BaseModel):
    check: bool = Field(
        False, title="先全部检查一次", description="先对全部参评作品做一次原创性（重复作品）检查"
    )
    pair: int | None = Field(
        None, title="疑点编号", description="要处理的疑点的编号（见本部署上次运行的结果）"
    )
    decision: str | None = Field(
        None, title="处理", description="排除：核实后排除该疑点；确认：核实确属重复或抄袭"
    )
    copier: str | None = Field(
        None, title="抄袭方", description="确认时必填：抄袭（不得列入建议名单）一方的评审编号"
    )
    note: str = Field("", title="处理说明", description="确认时必填")
    force: bool = Field(False, title="改变已作出的结论", description="把已排除的改为确认或反之，留有记录")
    operator: str | None = OPERATOR


class ApproveForm(BaseModel):
    special: float = Field(
        0.1, title="特别优秀名额", description="按排名建议名单时：比例（小于1，如 0.1 表示 10%）或件数"
    )
    excellent: float = Field(0.3, title="特别优秀与优秀合计名额", description="按排名建议名单时：比例或件数")
    set_special: str | None = Field(
        None, title="特别优秀名单", description="覆盖建议：评审编号，用逗号或顿号分隔，如 1、4；留空则按建议"
    )
    set_excellent: str | None = Field(
        None, title="优秀名单", description="覆盖建议：评审编号，用逗号或顿号分隔；留空则按建议"
    )
    approver: str | None = Field(
        None, title="审批人", description="批准名单的人，会记录在批准的名单上（必填）"
    )
    note: str = Field("", title="备注", description="记录在批准的名单上")
    out: str | None = Field(
        None, title="名单输出文件夹", description="工作机上的文件夹；留空则为数据目录下 judging/"
    )
