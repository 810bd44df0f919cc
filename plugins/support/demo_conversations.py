"""Demo conversations that read like real ones, per topic and in both languages.

Each script is a subject and its posts in order: the customer's question,
a staff answer to that question, sometimes an internal note and a follow-up.
"""
from __future__ import annotations

C, R, N = "customer_message", "public_reply", "internal_note"

CONVERSATIONS: dict[tuple[str, str], list[tuple[str, list[tuple[str, str]]]]] = {
    ("Order status", "en"): [
        ("Where is my order?", [
            (C, "Hello, I ordered two licences last Monday (order 48213) and have not received anything yet. "
                "Could you tell me when they will arrive?"),
            (R, "Hello, thank you for your patience. Order 48213 was paid on Tuesday and the licence keys were "
                "sent to your billing email address this morning. Could you check that mailbox, including spam?"),
            (C, "Found them in the spam folder, thank you!"),
        ]),
        ("Delivery date for the hardware tokens", [
            (C, "We need the 20 hardware tokens before the 15th for our rollout. Is that possible?"),
            (N, "Warehouse confirms stock; courier pickup tomorrow."),
            (R, "Yes: the tokens leave our warehouse tomorrow and the courier expects to deliver within two "
                "working days. You will get the tracking number by email."),
        ]),
    ],
    ("Order status", "tr"): [
        ("Sipariş durumu hakkında", [
            (C, "Merhaba, geçen pazartesi 48213 numaralı siparişle iki lisans aldık ama henüz bir şey gelmedi. "
                "Ne zaman ulaşır?"),
            (R, "Merhaba, beklediğiniz için teşekkürler. 48213 numaralı sipariş salı günü ödendi ve lisans "
                "anahtarları bu sabah fatura e-posta adresinize gönderildi. İstenmeyen klasörünü de kontrol "
                "edebilir misiniz?"),
            (C, "İstenmeyen klasöründeymiş, teşekkür ederim!"),
        ]),
    ],
    ("Invoice question", "en"): [
        ("Invoice amount looks wrong", [
            (C, "Our March invoice shows 12 users, but we removed three users in February. "
                "Can you correct the amount?"),
            (N, "Seats were removed on 27 Feb, after the billing run; credit 3 seats for March."),
            (R, "You are right: the three users were removed after that month's billing run. We have issued a "
                "credit note for three seats, and from April the invoice will show 9 users."),
        ]),
        ("Need a copy of last month's invoice", [
            (C, "Could you send us a copy of last month's invoice? Our accounting team cannot find it."),
            (R, "Of course. You can download every invoice under Billing > Invoices; we have also attached "
                "last month's invoice to this reply."),
        ]),
    ],
    ("Invoice question", "tr"): [
        ("Fatura bilgisi güncelleme", [
            (C, "Merhaba, şirketimizin unvanı değişti. Bundan sonraki faturaların yeni unvanla kesilmesini "
                "rica ediyoruz."),
            (R, "Merhaba, fatura bilgilerinizi yeni unvanla güncelledik. Bu ayın faturası yeni unvanla "
                "kesilecek; vergi numaranız aynı kalıyor mu?"),
            (C, "Evet, vergi numarası aynı. Teşekkürler."),
        ]),
    ],
    ("Login problem", "en"): [
        ("Password reset email never arrives", [
            (C, "I asked for a password reset three times but no email arrives. I cannot log in at all."),
            (R, "Sorry about that. Our mail log shows your server refused the messages as spam. We have sent "
                "a new reset link from our second sender; it is valid for one hour."),
            (C, "That one arrived and I could log in, thanks."),
        ]),
    ],
    ("Login problem", "tr"): [
        ("Şifre sıfırlama bağlantısı çalışmıyor", [
            (C, "Şifre sıfırlama e-postasındaki bağlantıya tıklayınca “bağlantının süresi dolmuş” yazıyor."),
            (R, "Merhaba, sıfırlama bağlantıları bir saat geçerli ve yalnızca bir kez kullanılabiliyor. "
                "Yeni bir bağlantı gönderdik; lütfen e-postayı aldıktan sonra bir saat içinde açın."),
            (C, "Yeni bağlantıyla şifremi değiştirebildim, teşekkürler."),
        ]),
    ],
    ("Bug report", "en"): [
        ("Export to CSV fails", [
            (C, "When I export the customer list to CSV, the download stops at about 2 MB with an error."),
            (N, "Reproduced with lists over 10,000 rows: export times out. Ticket for the developers filed."),
            (R, "Thank you for the report; we could reproduce it with long lists. Until the fix is released "
                "next week, exporting with a date filter (for example one year at a time) works."),
        ]),
        ("App crashes on start", [
            (C, "Since the last update the mobile app closes right after the splash screen (Android 14)."),
            (R, "Thanks for letting us know. Version 3.2.1, released today, fixes a crash on Android 14 at start-up. "
                "Could you update the app and tell us whether it opens?"),
            (C, "Updated, it works again."),
        ]),
    ],
    ("Bug report", "tr"): [
        ("Uygulama açılışta kapanıyor", [
            (C, "Son güncellemeden beri mobil uygulama açılış ekranından sonra kapanıyor (Android 14)."),
            (R, "Bildiriminiz için teşekkürler. Bugün yayımlanan 3.2.1 sürümü Android 14'teki açılış "
                "hatasını düzeltiyor. Uygulamayı güncelleyip tekrar dener misiniz?"),
            (C, "Güncelledim, artık açılıyor."),
        ]),
    ],
    ("Other", "en"): [
        ("Upgrade our plan", [
            (C, "We would like to move from the Team plan to Business. Will we lose any data?"),
            (R, "No data is lost when you upgrade. The Business plan starts immediately and you pay only the "
                "difference for the rest of this month. Shall we switch you over today?"),
            (C, "Yes please, go ahead."),
        ]),
    ],
    ("Other", "tr"): [
        ("Paket yükseltme", [
            (C, "Ekip paketinden İşletme paketine geçmek istiyoruz. Verilerimiz kaybolur mu?"),
            (R, "Paket yükseltmede hiçbir veri kaybolmaz. İşletme paketi hemen başlar; bu ayın kalanı için "
                "yalnızca aradaki farkı ödersiniz. Geçişi bugün yapalım mı?"),
        ]),
    ],
}


def conversation_for(topic: str, locale: str, pick) -> tuple[str, list[tuple[str, str]]]:
    """A conversation for the topic in the customer's language (English if none), chosen with ``pick``."""
    scripts = (CONVERSATIONS.get((topic, locale)) or CONVERSATIONS.get((topic, "en"))
               or CONVERSATIONS[("Other", "tr" if locale == "tr" else "en")])
    return pick(scripts)
