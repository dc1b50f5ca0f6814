from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    # Artists' MusicBrainz ids (setlist.fm's artist key): existing rows start unmatched, as new ones do.
    return """
        ALTER TABLE "artists" ADD "musicbrainz_id" VARCHAR(64) UNIQUE;
        ALTER TABLE "artists" ADD "musicbrainz_match" VARCHAR(32) NOT NULL DEFAULT 'none';
        ALTER TABLE "artists" ALTER COLUMN "musicbrainz_match" DROP DEFAULT;
        ALTER TABLE "artists" ADD "musicbrainz_searched_at" TIMESTAMPTZ;
        COMMENT ON COLUMN "artists"."musicbrainz_match" IS 'TICKETMASTER_LINK: ticketmaster_link\nSETLISTFM_SEARCH: setlistfm_search\nNONE: none';"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_searched_at";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_match";
        ALTER TABLE "artists" DROP COLUMN "musicbrainz_id";"""


MODELS_STATE = (
    "eJztXXtv27YW/yqE/1kHZEGStlmR3V3AcZzVq2MXttMNSwaBlmmbi0x5EpXU2+13v6Qe1o"
    "uyKUd2JIVAkSYUDyX9Dnl4Xjz6t7EwJ8iwj5sWxTZtXIB/GwQuEPslceUINOByGbbzBgrH"
    "htsVun3cNji2qQV1PtQUGjZiTRNk6xZeUmwS1kocw+CNps46YjILmxyC/3aQRs0ZonNksQ"
    "t3f7JmTCboK7KDP5cP2hQjYxJ7Vjzh93bbNbpaum0dQq/djvxuY003DWdBws7LFZ2bZN0b"
    "E/cdZ4ggC1LEh6eWwx+fP53/osEbeU8advEeMUIzQVPoGDTyumMtbGtoWq8/0obtkaY1cg"
    "Ckm4SDyx7Vdt9+xh/hh7PTdz+++/D2/N0H1sV9zHXLj9+8W4fAeIQuPL1R45t7HVLo9XAx"
    "DkHVLcSR0CBNg3vFrlC8QGKE45QJpCc+6XHwSxL3AOVNwAcNIfLhbDsE9OwFJ31irHyWb8"
    "B51LlpD0fNm8/8dgvb/ttw8WuO2vzKmdu6SrS+Of+et5tsIXkLbD0I+K0z+gj4n+CPfq/t"
    "wmvadGa5dwz7jf5o8GeCDjU1Yj5pcBKZnUFrgBrrGXLdWU525HqcUnG9LFwPMIqw3X/6kO"
    "vu/yl+t+bQEvM66J/gMkOrinxdwK+agciMzrn0fP9+A2O/NAetj83BG9Yrwa2ef+nMu/Yt"
    "hq9tOLM8+Ab9i8H3ZbepA6CLoKXPtbyTOEG2r7lcM7Ap1h8QXUCbIksTKV7ZgAtIdwLdR7"
    "SM8/v8nQTi5+8yAeeXEpN7aVI8XeWEOk6lUJZFeQGpPhcD3SbOwgW7w54MEh1lgr4e5HDb"
    "Y4OYJHggWfCZ4tD61B7dNIej9kDrdnqfGE+jS9TA5OGeDNsctgvgict7ctPs3Ta7F2ABiQ"
    "ONe9JjKgljW3D/nKx8eybByrdnmazkl+KsXDg21sf8fv/kXDRpSrVwti2cKGbPWjzCgWqy"
    "gEbdznB0faOFS4ka2KbThRYsqjIvIu8Zd7IJNwxTgIGYXGgvbEdU1x5MuwHwAs6Q5lhGHv"
    "kZIypEdJbKMjw9OZMRn7xb5krzLsbXGsOEcy4F9K/Dfk8MdEiRXEVYp+B/wPBdtnsRlP+Z"
    "OkTnSIKxgw2KiX3M7/ffnMKziGXFEYqtqADoNzfN35M8aHX7l8mlwge4TLBjaS4dA1qYrn"
    "I4leNE253LFZj7hbiXo45F3VywG2roERHKoHOIYDvJBDiLfCeod5r4JxUB2jbJzNbsFVOy"
    "dtmyBeQH2aoPqRRXfafmgbDpQyRqwxvGUH94gtZEi10J58UcwQlTSBlX7bn5JNhvLv0Brj"
    "8NkAFdTNPM98OCQzZEBV2934LZHrQ2BM7wMTYYTrMCEAqDp3XEyZUUzwSJDVEnePg6NM/M"
    "rJWZvrQ4WyRbIGFa9MS/N79TdMkJIvTBUsyOz6/X+16j83cNw9ShofFdgd8MTxqsx91a7g"
    "Qu30ivP1VEX0X0S7GiKxrbVRH918h1mYh+CcJ0JROue3aEqxSKNbjvT2X80axXJrzutYRZ"
    "S6FF7V0M2iih8jqXR2alt6q4AplmspjBcapNHK7gytrAXs6yxCLxoAgmsqwoilPVz3H/QU"
    "IafciURR8Ekog6AsNXMklgTX3A4CZDBxq5w5v93rDZbV8Aj/qe9K+v/Ybp1GtpNXutdrfb"
    "vroAOn9bw0CTe/K5Pxx9ZiKCtXIJsTQJbx20h62P7atbtzcTGjwW6LD+uwQ8T89lAjFJUR"
    "YJw5wnmZoz1KWCXDmDXEsL60hbYCKQ7EjHC2hkBFaidEnZ7hEe+wNUD/pNwr3d6tw0uwzL"
    "I09NYvs0pijKg3cnGSDDr7uB7NEpkDeDrDuWhYguiA5mi4soTf1kxluZ7JPs5JPU/rpz6K"
    "rgoFWFdMHKqfpJr7CkqzdJdrjwb+n9viG2j4g4KB+uURKFqY9pKswqmL5pjK9NC+EZ+YRW"
    "KUNAHASrXZSQNVvwaR3VSS1aBgF7ceRttMwsGA06rVEjPYULwPZLME5NoY2u2wxYZXIDOH"
    "ec5TNjubUMeOeK6EaPJNEgCU+MaJ+gkcl+SOAaDlUtJXEjpjkD39kH1OPTbnMQXMtzUr3B"
    "uANYB2ASAAEn/84GPDfkJ+BniGimNUEWOAHYBnSOwFrOHSd9Gs8dSxB9v3PfyH0T7+3/VK"
    "flVWy9jLK1olFWFVt/jVyXia3HRHYOWZqiU5aWwHr1trN85muMRqEqygrn6k8uTCMUCtHt"
    "HoFAG3umwVqzxOqjhL0amVQxc7XVHLaaV+2GQBIoD8t2WGPyL7cfYK9Zy6b7emmzzc/83m"
    "CwBenl2y21JuAdHgBm1hX754LBDCwd8hgz+49Cw5z9BCxIHsBpYGEtmFIA/HNbaYOtmCFl"
    "sqZjvOPjqbRoZbqVRP5UVIlXpttr5LqM6fZi1XRKJlJVMnSlk6GhMXYWuQuexanql4eyR6"
    "jzyYsoTf1gLl5cWMxcgTbKyPzOxjlJVz+sT0+kkjE3pGImsZ44lhtw1BaCFOZMWyJBpQpc"
    "pD1sqm7IfmC10CNGT3lrESXI6igZ9pOo7Xog5Cdw0F1N3fTU9ZxFu/gVYLGF0sqmIVfXoE"
    "z7EVS4qqilsyG4oiIBh4kEpBLYNETYc4mq0+VKDfQGU9VecsRNVkRv81JnDVHwZH3xaGME"
    "hXXz6qXlyHjjSWfAnLrxDD4A+Mt0LAKNCwCB5ZDvbOAeqAamBaaYYHt+xH+FbEhsOBYCT5"
    "jOAaY2YHhR9JWKc+H2cheZaMtf5ph3jXjuVbRFRVvKIWgq6ndX0ZbXyHWZaAuT5ELF+Pa2"
    "c5VhTq4pEpx2HDw55nTFcLgk1Sa9o5Eeh6LYuy8aNyb9jUvW/+F3r2FApXj3s8F0pAzn0v"
    "Z6DmviA5ZzwGRqNvKBzXbm6/4F4JT35LfmoNfp/XIBmJ5KGPL3pD0Y9AcXAFmWaSUVNilv"
    "VOEFGZjWKnSlZk/5kKJ+3r69fMpngWybWR9pjEdMoxZjHCGphWjZtNm2fx/F9tlUcfH1Xt"
    "vt934JuicrjieiL4gyCyZXsfcISTmqvfPb1qbaO1xiTYeGiCXZ7rsojSpAnnR7qwjjPp2i"
    "L5PG652jFrii1gess91Q7hll9XVg5cZRbpwyG/TKjfMauS7jxlG1hFX6bK0MXz2nZ0F/jl"
    "+hZN7IQ3yPmTI0GHyTfJ9jjlHVz4VTvIvM/QiWtcqNdJKujmJDZlZnz+lUEvhkwrbTjJq/"
    "GU6CkKR+c3kvmfZca4FG7tmcIKsf2MV/3ZXn61BHBPO1YcIMyzhKlAB5yqmqB/MGWK/6t5"
    "fdNvg8aLc6w47vd1zr5O5F3hTWix20m91UMXYy2wHmKJXCWQJnbjD+4385Wd4uCWnqJzGK"
    "sUhyuB7jZTDUtwUPlyboFwcUJQmGdQM3pAh6naTrLPil63yyC+A783hdO57KN8WWTcEjtj"
    "E9Ym0ILJHl0oA3EHiMAg9o9f0R+7mkYGpa6FFULm+fN1KeZOVJrohIqahPUXmSXyPXZTzJ"
    "JahCVnlZuptaVsC3el/LIY5tNd2C0s2SR452VWdfdKLKHjfKqueWcdioCF03s6JYfH5u1X"
    "m1XAXGeGe/erNHfgw65BFaGBKmnT6aFNng55+B61rlB1v42RTHRpbmXbKYVSRUcwsaVlwg"
    "OrQA+H1UhWil55ZTOFdU41F67mvkuoye60rnHDJ03V9lk6Y/ZmTZvl4qC2ZIoeBM1YF2Zj"
    "Nk83dPGwOmaSBIMuywKF0C1jEj3Beu65bDxiUu+/1uTNZcdpLZ/bc3l+3Bm9PEdwNFdYFs"
    "TPPN4CiJKg8hmsW+Cp/PlRAjUriKcGVmQk5QQwqF6CZ5q43FVUezkU1TqkMR28vwZ314K3"
    "8lfunvbpVtDks7b2ICcXs9ftt3rTwX2Hp5EFOohhJR4kOH0VVeALa3Nqpg9oI0tGmRGIOY"
    "PQfo3Xa7ciWOQj/a8xzjHPMvJq2iCf4iOQvuHBU4cIO5m+255RxTB8mUW1S5RcvsIFNu0d"
    "fIdRm3KFpAnKuK75qgdofG3p7JVPZmvTakdadqey+hbT+ZbH+eQ3ueB+cUYR2PhOzjqNME"
    "20sDrnJ/iiFJV0O8XzIJ2bMT2OMfNOelIlaVTKTqtds/sfMF5gN67kRqOnQ+4uPUCaR9G4"
    "nupMowFIMJt9lYDM37Yi3GO3d0N/ITSSZKJdjcxS5zj4UqNquMy3Ks6oqaGcq4fI1cl8ot"
    "T4haeWkqoFSxTEEs091RcyEboVCIbg9eBkrFYYJAZQNXNgoUmVQSMcuofvZ8aOt5CCKJsE"
    "AgipHONsb3aRuExpTAOIhZWtnWAdtJ5lpo2ckcARgjaCELuERHwKZs7vDzqMYKQNtNzB9+"
    "bP5w9v4c2CaAgOukY2gjYCD44P6wATGBY/Mn8AYRHQjYz01U0EvZJRWRURXVUJVd8hq5Lm"
    "OXuFI4d0QmTlW78FfxNRPR1yVmTNthccUpa7i4qruY0jLUQo9sZewiQ+OUBbC5nOGeWnBZ"
    "eRqUp6EEdvBWT8ML2b/Iwvq8ITJ+vStHGy3fsI/KoqzScj7aYFBmnpLM1jCzj0nWIftkL9"
    "k+fFHlQNjvXkN0T09kstdYrw2fnk9lr7mfciUCvS7720gRksN/G+lldLnCvoKUI7Oq+M3s"
    "2/8BEO1zNQ=="
)
