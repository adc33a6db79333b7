# qvsim_configure_target(<target>): project-wide compile settings for our own targets only.
function(qvsim_configure_target target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  if(CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
                                             -Wno-sign-conversion
                                             -Wno-missing-field-initializers)
    if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
      # GCC 12 reports -Wrestrict false positives inside std::string concatenation at -O2
      # (GCC bug 105329); the warning says nothing about our code.
      target_compile_options(${target} PRIVATE -Wno-restrict)
    endif()
    if(QVSIM_WARNINGS_AS_ERRORS)
      target_compile_options(${target} PRIVATE -Werror)
    endif()
  endif()
endfunction()
