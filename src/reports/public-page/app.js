// The citizens' page: report, check a number, check a link. Plain script, no framework, so it
// loads fast on any phone. Texts in Russian, Kazakh and English; the choice is remembered.
const texts = {
  ru: {
    title: 'Антифрод: защита от телефонных мошенников',
    lead: 'Банк, полиция и госорганы никогда не просят назвать код из SMS, перевести деньги на «безопасный счёт» или установить приложение.',
    tabReport: 'Сообщить',
    tabNumber: 'Проверить номер',
    tabLink: 'Проверить ссылку',
    howContacted: 'Как с вами связались?',
    chCall: 'Звонок',
    chSms: 'SMS',
    chMessenger: 'Мессенджер',
    languages: 'Язык',
    numberLabel: 'Номер, с которого звонили или писали',
    numberLabelSms: 'Номер или имя отправителя SMS (например, KASPI)',
    categoryLabel: 'Кем представились?',
    catChoose: 'Выберите…',
    needCategory: 'Выберите, кем представились.',
    catBank: 'Сотрудник банка',
    catPolice: 'Полиция, прокуратура, КНБ',
    catRelatives: 'Родственник в беде',
    catInvestment: 'Инвестиции, биржа, заработок',
    catDelivery: 'Доставка, почта',
    catPrize: 'Выигрыш, приз, выплата',
    catGovernment: 'Госорганы, eGov, пособия',
    catOperator: 'Оператор связи',
    catMarketplace: 'Покупка или продажа на сайте объявлений',
    catOther: 'Другое',
    whenLabel: 'Когда это было?',
    urlLabel: 'Ссылка, если прислали (необязательно)',
    textLabel: 'Что говорили или о чём просили (необязательно)',
    send: 'Отправить сообщение',
    checkNumberLabel: 'Номер телефона или имя отправителя SMS',
    checkLinkLabel: 'Ссылка',
    check: 'Проверить',
    adviceTitle: 'Что делать дальше',
    advice1: 'Положите трубку. Перезвоните в банк по номеру на обратной стороне карты.',
    advice2: 'Если вы назвали код или перевели деньги — сразу позвоните в банк и заблокируйте карту.',
    advice3: 'Подайте заявление в полицию: 102.',
    advice4: 'Не переходите по ссылкам из SMS и мессенджеров; проверьте ссылку здесь.',
    footer: 'Сообщения анонимны. Мы не публикуем ничьи личные данные.',
    sent: 'Спасибо! Сообщение принято.',
    needNumberOrUrl: 'Укажите номер или ссылку.',
    badNumber: 'Это не похоже на номер телефона.',
    badLink: 'Это не похоже на ссылку.',
    badWhen: 'Дата и время не могут быть в будущем.',
    offline: 'Нет связи с сервером. Проверьте интернет и попробуйте ещё раз: введённое сохранено.',
    tooMany: 'Слишком много запросов. Попробуйте через минуту.',
    working: 'Из вашей сети пришло много сообщений: проверяем, что отправляет человек (несколько секунд)…',
    failed: 'Не удалось отправить. Попробуйте ещё раз.',
    risk_unknown: 'Сведений о мошенничестве с этого номера нет. Будьте осторожны.',
    risk_low: 'Номер не вызывает подозрений.',
    risk_fewReports: 'На этот номер есть отдельные жалобы, но их пока мало для вывода. Будьте осторожны.',
    risk_medium: 'На этот номер жалуются. Будьте очень осторожны.',
    risk_high: 'Опасно: номер связан с мошенничеством.',
    sender_risk_unknown: 'Сведений о мошенничестве от этого отправителя нет. Будьте осторожны.',
    sender_risk_low: 'Отправитель не вызывает подозрений.',
    sender_risk_fewReports: 'На этого отправителя есть отдельные жалобы, но их пока мало для вывода. Будьте осторожны.',
    sender_risk_medium: 'На этого отправителя жалуются. Будьте очень осторожны.',
    sender_risk_high: 'Опасно: отправитель связан с мошенничеством.',
    link_trusted: 'Официальный сайт',
    link_unknown: 'Сведений об этом сайте нет. Не вводите данные карты и коды.',
    link_suspicious: 'Подозрительная ссылка. Не вводите на этом сайте данные карты и коды.',
    link_suspicious_brand: 'Подозрительная ссылка: похожа на сайт «{brand}», но им не является.',
    link_phishing: 'Мошенническая ссылка! Не открывайте её.',
    reportId: 'Номер вашего сообщения',
    reportIdHint: 'Сохраните его: по нему полиция и оператор найдут ваше сообщение.',
    reason_OFFICIAL_DOMAIN: 'Адрес совпадает с официальным сайтом организации.',
    reason_SAME_AS_BRAND: 'Адрес совпадает с официальным сайтом организации.',
    reason_KNOWN_PHISHING_DOMAIN: 'Сайт уже известен как мошеннический.',
    reason_TYPO_OF_BRAND: 'Адрес отличается от официального одной-двумя буквами.',
    reason_HOMOGLYPH_OF_BRAND: 'В адресе буквы другого алфавита, похожие на латинские.',
    reason_LOOKALIKE_CHARACTERS: 'В адресе похожие символы вместо настоящих букв (например, 0 вместо o).',
    reason_BRAND_ON_OTHER_DOMAIN: 'Название организации стоит на чужом сайте.',
    reason_BRAND_IN_SUBDOMAIN: 'Название организации — лишь начало адреса, а сам сайт другой.',
    reason_BRAND_IN_USER_INFO: 'Название организации стоит перед «@», а ссылка ведёт на другой сайт.',
    reason_BRAND_WITH_EXTRA_WORDS: 'К названию организации добавлены слова (например, «-secure», «-login»).',
    reason_USER_INFO_IN_LINK: 'В ссылке перед «@» спрятан текст, который сбивает с толку.',
    reason_IP_ADDRESS_HOST: 'Вместо имени сайта — цифровой адрес.',
    reason_URL_SHORTENER: 'Сокращённая ссылка скрывает, куда она ведёт.',
    reason_RISKY_TOP_LEVEL_DOMAIN: 'Доменная зона, которую часто используют мошенники.',
    reason_INTERNATIONALISED_DOMAIN: 'Адрес записан не латинскими буквами.',
    reason_ASKS_FOR_CREDENTIALS_OR_PAYMENT: 'Ссылка ведёт на страницу входа или оплаты.',
  },
  kk: {
    title: 'Антифрод: телефон алаяқтарынан қорғау',
    lead: 'Банк, полиция және мемлекеттік органдар ешқашан SMS кодын сұрамайды, ақшаны «қауіпсіз шотқа» аударуды немесе қосымша орнатуды талап етпейді.',
    tabReport: 'Хабарлау',
    tabNumber: 'Нөмірді тексеру',
    tabLink: 'Сілтемені тексеру',
    howContacted: 'Сізбен қалай байланысты?',
    chCall: 'Қоңырау',
    chSms: 'SMS',
    chMessenger: 'Мессенджер',
    languages: 'Тіл',
    numberLabel: 'Қоңырау шалған немесе жазған нөмір',
    numberLabelSms: 'SMS жіберушінің нөмірі немесе атауы (мысалы, KASPI)',
    categoryLabel: 'Кім болып таныстырды?',
    catChoose: 'Таңдаңыз…',
    needCategory: 'Кім болып таныстырғанын таңдаңыз.',
    catBank: 'Банк қызметкері',
    catPolice: 'Полиция, прокуратура, ҰҚК',
    catRelatives: 'Қиын жағдайдағы туыс',
    catInvestment: 'Инвестиция, биржа, табыс',
    catDelivery: 'Жеткізу, пошта',
    catPrize: 'Ұтыс, сыйлық, төлем',
    catGovernment: 'Мемлекеттік органдар, eGov, жәрдемақы',
    catOperator: 'Байланыс операторы',
    catMarketplace: 'Хабарландыру сайтында сату не сатып алу',
    catOther: 'Басқа',
    whenLabel: 'Бұл қашан болды?',
    urlLabel: 'Жіберілген сілтеме (міндетті емес)',
    textLabel: 'Не айтты немесе не сұрады (міндетті емес)',
    send: 'Хабарлама жіберу',
    checkNumberLabel: 'Телефон нөмірі немесе SMS жіберушінің атауы',
    checkLinkLabel: 'Сілтеме',
    check: 'Тексеру',
    adviceTitle: 'Әрі қарай не істеу керек',
    advice1: 'Телефонды қойыңыз. Банкке картаның артындағы нөмір бойынша қайта қоңырау шалыңыз.',
    advice2: 'Егер кодты айтсаңыз немесе ақша аударсаңыз — дереу банкке қоңырау шалып, картаны бұғаттаңыз.',
    advice3: 'Полицияға арыз беріңіз: 102.',
    advice4: 'SMS пен мессенджердегі сілтемелерді ашпаңыз; сілтемені осы жерде тексеріңіз.',
    footer: 'Хабарламалар жасырын. Ешкімнің жеке деректерін жарияламаймыз.',
    sent: 'Рақмет! Хабарлама қабылданды.',
    needNumberOrUrl: 'Нөмірді немесе сілтемені көрсетіңіз.',
    badNumber: 'Бұл телефон нөміріне ұқсамайды.',
    badLink: 'Бұл сілтемеге ұқсамайды.',
    badWhen: 'Күні мен уақыты болашақта бола алмайды.',
    offline: 'Сервермен байланыс жоқ. Интернетті тексеріп, қайталап көріңіз: енгізілгендер сақталды.',
    tooMany: 'Сұраулар тым көп. Бір минуттан кейін қайталаңыз.',
    working: 'Сіздің желіңізден хабарлар көп келді: жіберуші адам екенін тексереміз (бірнеше секунд)…',
    failed: 'Жіберу мүмкін болмады. Қайталап көріңіз.',
    risk_unknown: 'Бұл нөмір туралы алаяқтық мәліметі жоқ. Сақ болыңыз.',
    risk_low: 'Нөмір күдік тудырмайды.',
    risk_fewReports: 'Бұл нөмірге жекелеген шағымдар бар, бірақ қорытынды жасауға әлі аз. Сақ болыңыз.',
    risk_medium: 'Бұл нөмірге шағымдар бар. Өте сақ болыңыз.',
    risk_high: 'Қауіпті: нөмір алаяқтықпен байланысты.',
    sender_risk_unknown: 'Бұл жіберуші туралы алаяқтық мәліметі жоқ. Сақ болыңыз.',
    sender_risk_low: 'Жіберуші күдік тудырмайды.',
    sender_risk_fewReports: 'Бұл жіберушіге жекелеген шағымдар бар, бірақ қорытынды жасауға әлі аз. Сақ болыңыз.',
    sender_risk_medium: 'Бұл жіберушіге шағымдар бар. Өте сақ болыңыз.',
    sender_risk_high: 'Қауіпті: жіберуші алаяқтықпен байланысты.',
    link_trusted: 'Ресми сайт',
    link_unknown: 'Бұл сайт туралы мәлімет жоқ. Карта деректері мен кодтарды енгізбеңіз.',
    link_suspicious: 'Күдікті сілтеме. Бұл сайтқа карта деректері мен кодтарды енгізбеңіз.',
    link_suspicious_brand: 'Күдікті сілтеме: «{brand}» сайтына ұқсайды, бірақ ол емес.',
    link_phishing: 'Алаяқтық сілтеме! Оны ашпаңыз.',
    reportId: 'Хабарламаңыздың нөмірі',
    reportIdHint: 'Оны сақтаңыз: полиция мен оператор хабарламаңызды осы нөмір бойынша табады.',
    reason_OFFICIAL_DOMAIN: 'Мекенжай ұйымның ресми сайтымен сәйкес келеді.',
    reason_SAME_AS_BRAND: 'Мекенжай ұйымның ресми сайтымен сәйкес келеді.',
    reason_KNOWN_PHISHING_DOMAIN: 'Бұл сайт алаяқтық сайт ретінде белгілі.',
    reason_TYPO_OF_BRAND: 'Мекенжай ресми мекенжайдан бір-екі әріппен ерекшеленеді.',
    reason_HOMOGLYPH_OF_BRAND: 'Мекенжайда латын әріптеріне ұқсас басқа әліпби әріптері бар.',
    reason_LOOKALIKE_CHARACTERS: 'Мекенжайда нағыз әріптердің орнына ұқсас таңбалар бар (мысалы, o орнына 0).',
    reason_BRAND_ON_OTHER_DOMAIN: 'Ұйымның атауы бөгде сайтта тұр.',
    reason_BRAND_IN_SUBDOMAIN: 'Ұйымның атауы тек мекенжайдың басында, ал сайттың өзі басқа.',
    reason_BRAND_IN_USER_INFO: 'Ұйымның атауы «@» белгісінің алдында тұр, ал сілтеме басқа сайтқа апарады.',
    reason_BRAND_WITH_EXTRA_WORDS: 'Ұйымның атауына сөздер қосылған (мысалы, «-secure», «-login»).',
    reason_USER_INFO_IN_LINK: 'Сілтемеде «@» белгісінің алдында адастыратын мәтін жасырылған.',
    reason_IP_ADDRESS_HOST: 'Сайт атауының орнына сандық мекенжай тұр.',
    reason_URL_SHORTENER: 'Қысқартылған сілтеме қайда апаратынын жасырады.',
    reason_RISKY_TOP_LEVEL_DOMAIN: 'Алаяқтар жиі қолданатын домен аймағы.',
    reason_INTERNATIONALISED_DOMAIN: 'Мекенжай латын әріптерімен жазылмаған.',
    reason_ASKS_FOR_CREDENTIALS_OR_PAYMENT: 'Сілтеме кіру немесе төлем бетіне апарады.',
  },
  en: {
    title: 'Anti-fraud: protection from phone scammers',
    lead: 'Banks, the police and government bodies never ask for an SMS code, a transfer to a "safe account" or installing an app.',
    tabReport: 'Report',
    tabNumber: 'Check a number',
    tabLink: 'Check a link',
    howContacted: 'How did they contact you?',
    chCall: 'Call',
    chSms: 'SMS',
    chMessenger: 'Messenger',
    languages: 'Language',
    numberLabel: 'The number that called or wrote',
    numberLabelSms: 'The number or name of the SMS sender (such as KASPI)',
    categoryLabel: 'Who did they claim to be?',
    catChoose: 'Choose…',
    needCategory: 'Choose who they claimed to be.',
    catBank: 'Bank employee',
    catPolice: 'Police, prosecutor, security service',
    catRelatives: 'A relative in trouble',
    catInvestment: 'Investment, trading, earnings',
    catDelivery: 'Delivery, post',
    catPrize: 'Prize, winnings, payout',
    catGovernment: 'Government, eGov, benefits',
    catOperator: 'Phone operator',
    catMarketplace: 'Buying or selling on a classifieds site',
    catOther: 'Other',
    whenLabel: 'When was it?',
    urlLabel: 'The link, if they sent one (optional)',
    textLabel: 'What they said or asked for (optional)',
    send: 'Send report',
    checkNumberLabel: 'Phone number or SMS sender name',
    checkLinkLabel: 'Link',
    check: 'Check',
    adviceTitle: 'What to do next',
    advice1: 'Hang up. Call your bank back on the number on the back of your card.',
    advice2: 'If you gave a code or sent money, call your bank at once and block the card.',
    advice3: 'Report it to the police: 102.',
    advice4: 'Do not open links from SMS and messengers; check them here.',
    footer: 'Reports are anonymous. We publish no one\u2019s personal data.',
    sent: 'Thank you! Your report was received.',
    needNumberOrUrl: 'Give a number or a link.',
    badNumber: 'This does not look like a phone number.',
    badLink: 'This does not look like a link.',
    badWhen: 'The date and time cannot be in the future.',
    offline: 'No connection to the server. Check your internet and try again: what you entered is kept.',
    tooMany: 'Too many requests. Try again in a minute.',
    working: 'Many reports came from your network: checking that a person is sending this (a few seconds)…',
    failed: 'Could not send. Please try again.',
    risk_unknown: 'We know of no fraud from this number. Stay careful.',
    risk_low: 'This number raises no suspicion.',
    risk_fewReports: 'A few people have reported this number, not yet enough to judge. Stay careful.',
    risk_medium: 'People have reported this number. Be very careful.',
    risk_high: 'Danger: this number is linked to fraud.',
    sender_risk_unknown: 'We know of no fraud from this sender. Stay careful.',
    sender_risk_low: 'This sender raises no suspicion.',
    sender_risk_fewReports: 'A few people have reported this sender, not yet enough to judge. Stay careful.',
    sender_risk_medium: 'People have reported this sender. Be very careful.',
    sender_risk_high: 'Danger: this sender is linked to fraud.',
    link_trusted: 'Official site',
    link_unknown: 'We know nothing about this site. Do not enter card details or codes.',
    link_suspicious: 'Suspicious link. Do not enter card details or codes on this site.',
    link_suspicious_brand: 'Suspicious link: it looks like the site of {brand} but is not.',
    link_phishing: 'Phishing link! Do not open it.',
    reportId: 'Your report number',
    reportIdHint: 'Keep it: the police and the operator find your report by it.',
    reason_OFFICIAL_DOMAIN: "The address is the organisation's official site.",
    reason_SAME_AS_BRAND: "The address is the organisation's official site.",
    reason_KNOWN_PHISHING_DOMAIN: 'This site is already known as a fraud site.',
    reason_TYPO_OF_BRAND: 'The address differs from the official one by a letter or two.',
    reason_HOMOGLYPH_OF_BRAND: 'The address uses letters from another alphabet that look like Latin ones.',
    reason_LOOKALIKE_CHARACTERS: 'The address uses look-alike characters instead of real letters (such as 0 for o).',
    reason_BRAND_ON_OTHER_DOMAIN: "The organisation's name sits on someone else's site.",
    reason_BRAND_IN_SUBDOMAIN: "The organisation's name is only the start of the address; the site itself is another.",
    reason_BRAND_IN_USER_INFO: "The organisation's name stands before an “@”, and the link goes to another site.",
    reason_BRAND_WITH_EXTRA_WORDS: "Words were added to the organisation's name (such as “-secure”, “-login”).",
    reason_USER_INFO_IN_LINK: 'The link hides misleading text before an “@”.',
    reason_IP_ADDRESS_HOST: "A numeric address stands where the site's name should be.",
    reason_URL_SHORTENER: 'A shortened link hides where it leads.',
    reason_RISKY_TOP_LEVEL_DOMAIN: 'A domain ending that fraudsters use often.',
    reason_INTERNATIONALISED_DOMAIN: 'The address is not written in Latin letters.',
    reason_ASKS_FOR_CREDENTIALS_OR_PAYMENT: 'The link leads to a log-in or payment page.',
  },
};

let lang = localStorage.getItem('callshield.lang') || (navigator.language || 'ru').slice(0, 2);
if (!texts[lang]) lang = 'ru';
const t = (key) => texts[lang][key] ?? texts.ru[key] ?? key;

function applyLanguage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  document.title = t('title');
  document.querySelector('nav.languages')?.setAttribute('aria-label', t('languages'));
  for (const b of document.querySelectorAll('[data-lang]'))
    b.setAttribute('aria-pressed', String(b.dataset.lang === lang));
}

function show(id, text, tone, details = []) {
  const el = document.getElementById(id);
  el.textContent = text;
  if (details.length > 0) {
    const list = document.createElement('ul');
    for (const d of details) {
      const item = document.createElement('li');
      item.textContent = d;
      list.append(item);
    }
    el.append(list);
  }
  el.className = `result ${tone ?? ''}`;
}

/** A request to the server; no connection is an answer too (status 0), never a silent failure. */
async function call(url, options) {
  let response;
  try {
    response = await fetch(url, {
      ...options,
      headers: { 'content-type': 'application/json', 'accept-language': lang, ...(options?.headers ?? {}) },
    });
  } catch {
    return { status: 0, body: {} };
  }
  const body = await response.json().catch(() => ({}));
  return { status: response.status, body };
}

/** Marks the field a message is about and takes the citizen (and a screen reader) to it. */
function markInvalid(field, messageId) {
  field.setAttribute('aria-invalid', 'true');
  field.setAttribute('aria-describedby', messageId);
  field.focus();
}

function clearInvalid(form) {
  for (const field of form.querySelectorAll('[aria-invalid]')) {
    field.removeAttribute('aria-invalid');
    field.removeAttribute('aria-describedby');
  }
}

// SHA-256 in plain script: WebCrypto is missing on pages not served over HTTPS, and one short
// synchronous hash is faster than an awaited digest for the many tries a proof of work takes.
const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

/** The first 32 bits of SHA-256 of an ASCII string (all a proof of work up to 32 bits needs). */
function sha256FirstWord(text) {
  const bytes = new TextEncoder().encode(text);
  const length = Math.ceil((bytes.length + 9) / 64) * 64;
  const data = new Uint8Array(length);
  data.set(bytes);
  data[bytes.length] = 0x80;
  new DataView(data.buffer).setUint32(length - 4, bytes.length * 8);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const view = new DataView(data.buffer);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < length; offset += 64) {
    for (let i = 0; i < 16; i++) w[i] = view.getUint32(offset + i * 4);
    for (let i = 16; i < 64; i++) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) | 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i++) {
      const t1 = (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) | 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
  }
  return h[0];
}

/** Finds a nonce for the server's challenge, yielding to the page now and then. */
async function solveProof(challenge, bits) {
  for (let nonce = 0; ; nonce++) {
    if (Math.clz32(sha256FirstWord(`${challenge}:${nonce}`)) >= bits) return `${challenge}:${nonce}`;
    if (nonce % 5000 === 4999) await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

/** Sends a report; after a burst from this network the server asks for a proof of work first. */
async function sendReport(body) {
  const payload = JSON.stringify(body);
  let result = await call('/public/v1/reports', { method: 'POST', body: payload });
  if (result.status !== 428) return result;
  show('report-result', t('working'), 'warn');
  const challenge = await call('/public/v1/reports/challenge');
  if (challenge.status !== 200) return challenge;
  const proof = await solveProof(challenge.body.challenge, challenge.body.bits);
  result = await call('/public/v1/reports', {
    method: 'POST',
    body: payload,
    headers: { 'x-callshield-proof': proof },
  });
  return result;
}

/** Which field of the report a refusal is about: 'number', 'category', 'url', 'at' or null. */
function fieldOf(result) {
  const error = result.body?.error;
  if (error?.code === 'INVALID_NUMBER') return 'number';
  if (error?.code === 'VALIDATION_FAILED' && /category/.test(error.message)) return 'category';
  if (error?.code === 'UNSUPPORTED_URL_SCHEME') return 'url';
  if (error?.code === 'INVALID_TIME') return 'at';
  if (error?.code === 'VALIDATION_FAILED' && /"at"/.test(error.message)) return 'at';
  if (error?.code === 'VALIDATION_FAILED' && /url|link/i.test(error.message)) return 'url';
  return null;
}

function errorText(result) {
  if (result.status === 0) return t('offline');
  if (result.status === 429) return t('tooMany');
  const field = fieldOf(result);
  if (field === 'number') return t('badNumber');
  if (field === 'category') return t('needCategory');
  if (field === 'url') return t('badLink');
  if (field === 'at') return t('badWhen');
  return t('failed');
}

/** An SMS may come from a name (KASPI): its field takes letters, not only a phone's dial pad. */
function adaptNumberField() {
  const sms = document.querySelector('#report-form input[name="channel"]:checked')?.value === 'sms';
  const field = document.getElementById('report-number');
  field.type = sms ? 'text' : 'tel';
  field.inputMode = sms ? 'text' : 'tel';
  const label = document.querySelector('label[for="report-number"]');
  label.dataset.t = sms ? 'numberLabelSms' : 'numberLabel';
  label.textContent = t(label.dataset.t);
}

document.addEventListener('DOMContentLoaded', () => {
  applyLanguage();
  adaptNumberField();
  for (const b of document.querySelectorAll('[data-lang]')) {
    b.addEventListener('click', () => {
      lang = b.dataset.lang;
      localStorage.setItem('callshield.lang', lang);
      applyLanguage();
    });
  }
  // The ARIA tabs pattern: one tab in the Tab order (roving tabindex); arrows, Home and End move
  // between tabs and select the one they reach (three light panels: nothing to wait for).
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const selectTab = (tab, focus) => {
    for (const other of tabs) {
      const selected = other === tab;
      other.setAttribute('aria-selected', String(selected));
      other.tabIndex = selected ? 0 : -1;
      document.getElementById(other.getAttribute('aria-controls')).hidden = !selected;
    }
    if (focus) tab.focus();
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab, false));
    tab.addEventListener('keydown', (event) => {
      const at = tabs.indexOf(tab);
      const to = {
        ArrowRight: tabs[(at + 1) % tabs.length],
        ArrowLeft: tabs[(at - 1 + tabs.length) % tabs.length],
        Home: tabs[0],
        End: tabs[tabs.length - 1],
      }[event.key];
      if (!to) return;
      event.preventDefault();
      selectTab(to, true);
    });
  }

  for (const radio of document.querySelectorAll('#report-form input[name="channel"]'))
    radio.addEventListener('change', adaptNumberField);

  // One report per press: a second press (or a double tap) while one is on its way sends nothing.
  let sending = false;
  document.getElementById('report-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    if (sending) return;
    const fields = event.target.elements;
    clearInvalid(event.target);
    const form = new FormData(event.target);
    const number = String(form.get('number') ?? '').trim();
    const url = String(form.get('url') ?? '').trim();
    if (!number && !url) {
      show('report-result', t('needNumberOrUrl'), 'warn');
      return markInvalid(fields.number, 'report-result');
    }
    // The contract requires a category, and no default stands in for the citizen's choice.
    const category = String(form.get('category') ?? '');
    if (!category) {
      show('report-result', t('needCategory'), 'warn');
      return markInvalid(fields.category, 'report-result');
    }
    const when = String(form.get('at') ?? '');
    if (when && new Date(when).getTime() > Date.now() + 60_000) {
      show('report-result', t('badWhen'), 'warn');
      return markInvalid(fields.at, 'report-result');
    }
    const body = {
      channel: form.get('channel'),
      category,
      ...(number ? { number } : {}),
      ...(url ? { url } : {}),
    };
    const text = String(form.get('text') ?? '').trim();
    if (text) body.text = text;
    if (when) body.at = new Date(when).toISOString();
    const submit = event.target.querySelector('button[type="submit"]');
    sending = true;
    submit.setAttribute('aria-disabled', 'true');
    let result;
    try {
      result = await sendReport(body);
    } finally {
      sending = false;
      submit.removeAttribute('aria-disabled');
    }
    if (result.status === 202) {
      const id = result.body?.reportId;
      show('report-result', t('sent'), 'ok', id ? [`${t('reportId')}: ${id}`, t('reportIdHint')] : []);
      event.target.reset();
      adaptNumberField();
    } else {
      show('report-result', errorText(result), 'bad');
      const field = fieldOf(result);
      if (field) markInvalid(fields[field], 'report-result');
    }
  });

  document.getElementById('number-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const field = document.getElementById('check-number');
    clearInvalid(event.target);
    const number = field.value.trim();
    if (!number) {
      show('number-result', t('badNumber'), 'warn');
      return markInvalid(field, 'number-result');
    }
    const result = await call(`/public/v1/numbers/${encodeURIComponent(number)}?lang=${lang}`);
    if (result.status !== 200) {
      show('number-result', errorText(result), 'bad');
      if (fieldOf(result)) markInvalid(field, 'number-result');
      return;
    }
    const { risk, label } = result.body;
    // "low" is a verified caller (it comes with its name) or a number with a few reports, too few
    // to judge: never "no suspicion" for a number people have reported.
    const fewReports = risk === 'low' && !label;
    // Numbers come back as +E.164; anything else is an SMS sender ID (KASPI-BANK), not a number.
    const about = /^\+\d+$/.test(result.body.number) ? '' : 'sender_';
    const verdict = t(`${about}${fewReports ? 'risk_fewReports' : `risk_${risk}`}`);
    const tone = risk === 'high' ? 'bad' : risk === 'medium' ? 'warn' : risk === 'low' && !fewReports ? 'ok' : '';
    show('number-result', `${result.body.number}: ${verdict}${label ? ` — ${label}` : ''}`, tone);
  });

  document.getElementById('link-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const field = document.getElementById('check-link');
    clearInvalid(event.target);
    const url = field.value.trim();
    if (!url) {
      show('link-result', t('badLink'), 'warn');
      return markInvalid(field, 'link-result');
    }
    const result = await call(`/public/v1/links?url=${encodeURIComponent(url)}`);
    if (result.status !== 200) {
      show('link-result', errorText(result), 'bad');
      if (fieldOf(result)) markInvalid(field, 'link-result');
      return;
    }
    const { verdict, brand, reasons = [] } = result.body;
    const tone = verdict === 'trusted' ? 'ok' : verdict === 'unknown' ? 'warn' : 'bad';
    // The specific reasons, each once (two codes can share one sentence); unknown codes stay out.
    const why =
      verdict === 'trusted'
        ? []
        : [...new Set(reasons.map((r) => texts[lang][`reason_${r}`] ?? texts.en[`reason_${r}`]).filter(Boolean))];
    // "Looks like a known organisation's site" only when the check names the organisation.
    const headline =
      verdict === 'suspicious' && brand
        ? t('link_suspicious_brand').replace('{brand}', brand)
        : `${t(`link_${verdict}`)}${brand && verdict === 'trusted' ? `: ${brand}` : ''}`;
    show('link-result', headline, tone, why);
  });
});
