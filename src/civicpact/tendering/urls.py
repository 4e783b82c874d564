from django.urls import path

from civicpact.tendering import evaluation_views, proposal_views, stage_views, views

app_name = "tendering"

urlpatterns = [
    path("", views.tender_list, name="tender-list"),
    path("new/<int:project_pk>/", views.tender_create, name="tender-create"),
    path("<int:pk>/", views.tender_detail, name="tender-detail"),
    path("<int:pk>/edit/", views.tender_edit, name="tender-edit"),
    path("<int:pk>/amend/", views.tender_amend, name="tender-amend"),
    path("<int:pk>/publish/", views.tender_publish, name="tender-publish"),
    path("<int:pk>/bid/", views.bid_submit, name="bid-submit"),
    path("<int:pk>/bid/withdraw/", views.bid_withdraw, name="bid-withdraw"),
    path("<int:pk>/bids/<int:bid_pk>/documents/<int:index>/", views.bid_document, name="bid-document"),
    path("<int:pk>/open/", views.tender_open, name="tender-open"),
    path("<int:pk>/cancel/", views.tender_cancel, name="tender-cancel"),
    path("<int:pk>/questions/", views.clarification_ask, name="clarification-ask"),
    path("<int:pk>/questions/<int:clarification_pk>/answer/", views.clarification_answer, name="clarification-answer"),
]

urlpatterns += [
    path("<int:pk>/evaluate/", evaluation_views.evaluate, name="evaluate"),
    path("<int:pk>/moderation/", evaluation_views.moderation, name="moderation"),
    path("<int:pk>/committee/", evaluation_views.committee_add, name="committee-add"),
    path("<int:pk>/bids/<int:bid_pk>/eligibility/", evaluation_views.eligibility, name="eligibility"),
    path("<int:pk>/bids/<int:bid_pk>/explanation/", evaluation_views.price_explanation, name="price-explanation"),
    path("<int:pk>/award/", evaluation_views.award, name="award"),
    path("<int:pk>/evaluation-report.pdf", evaluation_views.report_pdf, name="report-pdf"),
    path("<int:pk>/score-matrix.xlsx", evaluation_views.scores_xlsx, name="scores-xlsx"),
    path("<int:pk>/complaints/", evaluation_views.complaint_lodge, name="complaint-lodge"),
    path("<int:pk>/complaints/<int:complaint_pk>/decide/", evaluation_views.complaint_decide, name="complaint-decide"),
]

urlpatterns += [
    path("<int:pk>/stage/close/", stage_views.stage_close, name="stage-close"),
    path("<int:pk>/stage/next/", stage_views.stage_next, name="stage-next"),
    path("<int:pk>/match/offer/", stage_views.match_offer, name="match-offer"),
    path("<int:pk>/match/respond/", stage_views.match_respond, name="match-respond"),
]

urlpatterns += [
    path("<int:pk>/documents/", views.document_attach, name="document-attach"),
    path("<int:pk>/documents/<int:document_pk>/", views.document_download, name="document-download"),
    path("<int:pk>/documents/<int:document_pk>/remove/", views.document_remove, name="document-remove"),
]

urlpatterns += [
    path("proposals/", proposal_views.proposal_list, name="proposal-list"),
    path("proposals/new/", proposal_views.proposal_create, name="proposal-create"),
    path("proposals/<int:pk>/", proposal_views.proposal_detail, name="proposal-detail"),
]
