"""The four kinds of organisation file and their columns (used by checks and templates)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Field:
    #: the column header, as in the template (matching ignores case, spaces, underscores)
    name: str
    #: what to write there, for the instructions sheet
    description: Any
    example: str
    required: bool = True
    #: formatted as text in the XLSX template (codes, NIP: leading zeros, 18 digits)
    text: bool = False
    #: column width in the XLSX template, in characters
    width: int = 18


@dataclass(frozen=True)
class Kind:
    slug: str
    title: Any
    #: file name stem of the templates
    stem: str
    #: entity slug of the list page (``LIST_ACTIONS``, the redirect after an import)
    list_slug: str
    fields: tuple[Field, ...]
    #: the columns a row is matched on when re-imported (column names: not translated)
    key_description: str

    @property
    def headers(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def text_columns(self) -> set[str]:
        return {f.name for f in self.fields if f.text}


_UNIT_CODE = Field(
    "kode_unit",
    _l(
        "Kode unit yang sudah terdaftar di aplikasi (lihat halaman Unit). "
        "Huruf, angka, titik, garis bawah atau tanda hubung."
    ),
    "DISDUKCAPIL",
    text=True,
)

UNITS = Kind(
    slug="units",
    title=_l("Unit"),
    stem="unit",
    list_slug="units",
    key_description="kode_unit",
    fields=(
        Field(
            "kode_unit",
            _l(
                "Kode unik unit di instansi ini; dipakai untuk mencocokkan saat impor ulang. "
                "Huruf, angka, titik, garis bawah atau tanda hubung; paling banyak 40 karakter."
            ),
            "DISDUKCAPIL",
            text=True,
        ),
        Field(
            "nama_unit",
            _l("Nama unit; paling banyak 200 karakter."),
            "Dinas Kependudukan",
            width=36,
        ),
        Field(
            "jenis",
            _l(
                "Salah satu: dinas, badan, bidang, puskesmas, rumah_sakit, kecamatan, "
                "kelurahan, upt, mpp, lainnya (nama lengkapnya juga diterima, "
                "misalnya “Rumah sakit” atau “Mal Pelayanan Publik”)."
            ),
            "dinas",
        ),
        Field(
            "kode_induk",
            _l(
                "Kode unit induk, boleh unit di berkas ini (di atas atau di bawah baris ini) "
                "atau unit yang sudah terdaftar. Kosongkan untuk unit tingkat teratas."
            ),
            "",
            required=False,
            text=True,
        ),
        Field(
            "zona_waktu",
            _l("WIB, WITA atau WIT. Kosongkan untuk memakai zona waktu instansi."),
            "WIB",
            required=False,
        ),
        Field(
            "alamat",
            _l("Alamat unit; boleh kosong; paling banyak 500 karakter."),
            "Jl. Merdeka No. 1",
            required=False,
            width=36,
        ),
    ),
)

COUNTERS = Kind(
    slug="counters",
    title=_l("Loket"),
    stem="loket",
    list_slug="service-points",
    key_description="kode_unit + kode_loket",
    fields=(
        _UNIT_CODE,
        Field(
            "kode_loket",
            _l(
                "Kode loket, unik di dalam unitnya; dipakai untuk mencocokkan saat impor ulang. "
                "Huruf, angka, titik, garis bawah atau tanda hubung; paling banyak 40 karakter."
            ),
            "LOKET-1",
            text=True,
        ),
        Field(
            "nama_loket",
            _l("Nama loket; paling banyak 200 karakter."),
            "Loket Pelayanan KTP",
            width=36,
        ),
        Field(
            "lokasi",
            _l("Letak loket, dicetak pada poster; boleh kosong; paling banyak 200 karakter."),
            "Lantai 1, dekat pintu masuk",
            required=False,
            width=36,
        ),
    ),
)

SERVICES = Kind(
    slug="services",
    title=_l("Jenis layanan"),
    stem="layanan",
    list_slug="services",
    key_description="kode_unit + kode_layanan",
    fields=(
        _UNIT_CODE,
        Field(
            "kode_layanan",
            _l(
                "Kode layanan, unik di dalam unitnya; dipakai untuk mencocokkan saat impor "
                "ulang. Huruf, angka, titik, garis bawah atau tanda hubung; paling banyak "
                "40 karakter."
            ),
            "KTP-EL",
            text=True,
        ),
        Field(
            "nama_layanan",
            _l("Nama layanan; paling banyak 200 karakter."),
            "Perekaman KTP-el",
            width=36,
        ),
        Field(
            "nama_layanan_en",
            _l("Nama layanan dalam bahasa Inggris; boleh kosong."),
            "Electronic ID card registration",
            required=False,
            width=36,
        ),
        Field(
            "keterangan",
            _l("Keterangan; boleh kosong; paling banyak 2000 karakter."),
            "",
            required=False,
            width=48,
        ),
    ),
)

EMPLOYEES = Kind(
    slug="employees",
    title=_l("Pegawai"),
    stem="pegawai",
    list_slug="employees",
    key_description="nip",
    fields=(
        Field(
            "nip",
            _l(
                "NIP 18 digit (PNS atau PPPK); spasi boleh. Simpan kolom ini sebagai Teks "
                "di Excel, jika tidak Excel mengubah digit terakhir."
            ),
            "198503122010011001",
            text=True,
            width=22,
        ),
        Field("nama", _l("Nama pegawai; paling banyak 200 karakter."), "Siti Aminah", width=36),
        Field(
            "jabatan", _l("Jabatan; paling banyak 200 karakter."), "Pengadministrasi Umum", width=36
        ),
        _UNIT_CODE,
        Field(
            "nip_atasan",
            _l(
                "NIP atasan langsung: pegawai di berkas ini atau yang sudah terdaftar. "
                "Boleh kosong."
            ),
            "",
            required=False,
            text=True,
        ),
    ),
)

KINDS: dict[str, Kind] = {k.slug: k for k in (UNITS, COUNTERS, SERVICES, EMPLOYEES)}
