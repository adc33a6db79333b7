# Records the git commit and compiler flags that a build was made from, for run manifests.
find_package(Git QUIET)
set(QVSIM_GIT_COMMIT "unknown")
if(GIT_FOUND AND EXISTS "${CMAKE_SOURCE_DIR}/.git")
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse HEAD
                  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                  OUTPUT_VARIABLE _qvsim_commit OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE _qvsim_git_rc ERROR_QUIET)
  if(_qvsim_git_rc EQUAL 0)
    set(QVSIM_GIT_COMMIT "${_qvsim_commit}")
    execute_process(COMMAND ${GIT_EXECUTABLE} status --porcelain --untracked-files=no
                    WORKING_DIRECTORY ${CMAKE_SOURCE_DIR}
                    OUTPUT_VARIABLE _qvsim_dirty OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(NOT _qvsim_dirty STREQUAL "")
      set(QVSIM_GIT_COMMIT "${QVSIM_GIT_COMMIT}-dirty")
    endif()
  endif()
endif()
string(TOUPPER "${CMAKE_BUILD_TYPE}" _qvsim_bt)
set(QVSIM_BUILD_FLAGS "${CMAKE_BUILD_TYPE} ${CMAKE_CXX_FLAGS} ${CMAKE_CXX_FLAGS_${_qvsim_bt}}")
if(QVSIM_INVARIANTS)
  string(APPEND QVSIM_BUILD_FLAGS " QVSIM_INVARIANTS=1")
endif()
string(STRIP "${QVSIM_BUILD_FLAGS}" QVSIM_BUILD_FLAGS)
