"""The insight machinery: scopes and selections (:mod:`.scope`), the registry that finds and runs insights
(:mod:`.registry`), typed results (:mod:`.result`), periods, exclusion rules, the caches of derived tables and
trained models, and the shared helpers every insight uses. Insights themselves live in
:mod:`linernotes.insights`; models (pure computation) in :mod:`linernotes.models`."""
